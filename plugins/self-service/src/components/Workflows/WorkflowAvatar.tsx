import { Avatar, makeStyles, useTheme } from '@material-ui/core';
import { IconComponent, useApp } from '@backstage/core-plugin-api';
import AcUnit from '@material-ui/icons/AcUnit';
import Archive from '@material-ui/icons/Archive';
import Autorenew from '@material-ui/icons/Autorenew';
import Backup from '@material-ui/icons/Backup';
import BugReport from '@material-ui/icons/BugReport';
import Build from '@material-ui/icons/Build';
import Cached from '@material-ui/icons/Cached';
import Cloud from '@material-ui/icons/Cloud';
import CloudDownload from '@material-ui/icons/CloudDownload';
import CloudUpload from '@material-ui/icons/CloudUpload';
import Code from '@material-ui/icons/Code';
import Delete from '@material-ui/icons/Delete';
import DeleteSweep from '@material-ui/icons/DeleteSweep';
import Dns from '@material-ui/icons/Dns';
import Done from '@material-ui/icons/Done';
import Extension from '@material-ui/icons/Extension';
import Flag from '@material-ui/icons/Flag';
import FlashOn from '@material-ui/icons/FlashOn';
import FlightTakeoff from '@material-ui/icons/FlightTakeoff';
import GroupAdd from '@material-ui/icons/GroupAdd';
import History from '@material-ui/icons/History';
import Label from '@material-ui/icons/Label';
import Lock from '@material-ui/icons/Lock';
import LockOpen from '@material-ui/icons/LockOpen';
import Loop from '@material-ui/icons/Loop';
import Memory from '@material-ui/icons/Memory';
import Notifications from '@material-ui/icons/Notifications';
import Pause from '@material-ui/icons/Pause';
import PersonAdd from '@material-ui/icons/PersonAdd';
import PlayArrow from '@material-ui/icons/PlayArrow';
import PlayCircleOutline from '@material-ui/icons/PlayCircleOutline';
import PowerSettingsNew from '@material-ui/icons/PowerSettingsNew';
import Publish from '@material-ui/icons/Publish';
import Refresh from '@material-ui/icons/Refresh';
import Replay from '@material-ui/icons/Replay';
import Restore from '@material-ui/icons/Restore';
import Schedule from '@material-ui/icons/Schedule';
import Security from '@material-ui/icons/Security';
import Send from '@material-ui/icons/Send';
import Settings from '@material-ui/icons/Settings';
import Speed from '@material-ui/icons/Speed';
import Stop from '@material-ui/icons/Stop';
import Storage from '@material-ui/icons/Storage';
import Sync from '@material-ui/icons/Sync';
import Timer from '@material-ui/icons/Timer';
import Unarchive from '@material-ui/icons/Unarchive';
import Update from '@material-ui/icons/Update';
import VerifiedUser from '@material-ui/icons/VerifiedUser';
import VpnKey from '@material-ui/icons/VpnKey';
import Warning from '@material-ui/icons/Warning';

/**
 * The icons a workflow's `icon` may name, beside the app's own system icons.
 * Names are kebab-case Material icon names; a few common words are aliases.
 */
const WORKFLOW_ICONS: Record<string, IconComponent> = {
  'ac-unit': AcUnit,
  archive: Archive,
  autorenew: Autorenew,
  backup: Backup,
  bolt: FlashOn,
  bug: BugReport,
  'bug-report': BugReport,
  build: Build,
  cached: Cached,
  check: Done,
  clock: Schedule,
  cloud: Cloud,
  'cloud-download': CloudDownload,
  'cloud-upload': CloudUpload,
  code: Code,
  database: Storage,
  delete: Delete,
  'delete-sweep': DeleteSweep,
  deploy: FlightTakeoff,
  dns: Dns,
  done: Done,
  extension: Extension,
  flag: Flag,
  'flash-on': FlashOn,
  'flight-takeoff': FlightTakeoff,
  freeze: AcUnit,
  'group-add': GroupAdd,
  history: History,
  key: VpnKey,
  label: Label,
  launch: FlightTakeoff,
  lock: Lock,
  'lock-open': LockOpen,
  loop: Loop,
  memory: Memory,
  notifications: Notifications,
  pause: Pause,
  'person-add': PersonAdd,
  play: PlayArrow,
  'play-arrow': PlayArrow,
  power: PowerSettingsNew,
  'power-settings-new': PowerSettingsNew,
  publish: Publish,
  refresh: Refresh,
  replay: Replay,
  restart: Replay,
  restore: Restore,
  rocket: FlightTakeoff,
  schedule: Schedule,
  security: Security,
  send: Send,
  server: Dns,
  settings: Settings,
  shield: Security,
  speed: Speed,
  stop: Stop,
  storage: Storage,
  sync: Sync,
  timer: Timer,
  trash: Delete,
  unarchive: Unarchive,
  unlock: LockOpen,
  update: Update,
  upload: CloudUpload,
  'verified-user': VerifiedUser,
  'vpn-key': VpnKey,
  warning: Warning,
};

/** What {@link WorkflowAvatar} shows when the icon is missing or unknown. */
export const DEFAULT_WORKFLOW_ICON = 'default';

const HEX_COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** A workflow's color when it is a hex color (`#rgb` or `#rrggbb`). */
export function workflowColor(color: string | undefined): string | undefined {
  const text = color?.trim();
  return text && HEX_COLOR.test(text) ? text : undefined;
}

/** The app, or undefined outside of one (as in some tests). */
function useOptionalApp(): ReturnType<typeof useApp> | undefined {
  try {
    return useApp();
  } catch {
    return undefined;
  }
}

/** Where a workflow's icon comes from. */
type IconSource = 'app' | 'builtin' | 'default';

/**
 * The icon a name stands for: the app's system icon of that name, else a
 * curated Material icon, else the default. Names like `constructor` are
 * never looked up, as they would find what every object inherits.
 */
function resolveIcon(
  app: ReturnType<typeof useApp> | undefined,
  name: string,
): { Icon: IconComponent; source: IconSource } {
  if (!name || name in Object.prototype) {
    return { Icon: PlayCircleOutline, source: 'default' };
  }
  let fromApp: IconComponent | undefined;
  try {
    fromApp = app?.getSystemIcon(name);
  } catch {
    fromApp = undefined;
  }
  if (fromApp) {
    return { Icon: fromApp, source: 'app' };
  }
  if (Object.prototype.hasOwnProperty.call(WORKFLOW_ICONS, name)) {
    return { Icon: WORKFLOW_ICONS[name], source: 'builtin' };
  }
  return { Icon: PlayCircleOutline, source: 'default' };
}

const useStyles = makeStyles(theme => ({
  medium: {
    width: 40,
    height: 40,
    fontSize: theme.typography.pxToRem(24),
  },
  small: {
    width: 32,
    height: 32,
    fontSize: theme.typography.pxToRem(20),
  },
}));

/** Props of {@link WorkflowAvatar}. */
export interface WorkflowAvatarProps {
  /** The workflow's icon name, like `refresh` or `vpn-key`. */
  icon?: string;
  /** The workflow's color, like `#1976d2`: the background of the circle. */
  color?: string;
  /** 40px (medium, the default) or 32px (small). */
  size?: 'small' | 'medium';
  className?: string;
}

/**
 * A workflow's icon in a circle of its color. Decorative: the workflow's name
 * is always shown beside it, so assistive technology skips it.
 *
 * The icon is an app system icon of that name if the app has one, else one of
 * a curated set of Material icons, else a generic "run" icon. Without a valid
 * hex color the circle takes the theme's primary color.
 */
export function WorkflowAvatar(props: WorkflowAvatarProps) {
  const { icon, color, size = 'medium', className } = props;
  const classes = useStyles();
  const theme = useTheme();
  const app = useOptionalApp();

  const name = icon?.trim().toLocaleLowerCase('en-US') ?? '';
  const { Icon, source } = resolveIcon(app, name);

  const background = workflowColor(color);
  const colors = background
    ? {
        backgroundColor: background,
        color: theme.palette.getContrastText(background),
      }
    : {
        backgroundColor: theme.palette.primary.main,
        color: theme.palette.primary.contrastText,
      };

  return (
    <Avatar
      aria-hidden="true"
      className={`${classes[size]}${className ? ` ${className}` : ''}`}
      style={colors}
      data-icon={source === 'default' ? DEFAULT_WORKFLOW_ICON : name}
      data-icon-source={source}
      data-testid="workflow-avatar"
    >
      <Icon fontSize="inherit" />
    </Avatar>
  );
}
