import {
  ChangeEvent,
  ReactNode,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import { useSearchParams } from 'react-router-dom';
import {
  Box,
  Button,
  FormControlLabel,
  InputAdornment,
  LinearProgress,
  Switch,
  Tab,
  Tabs,
  TextField,
  Typography,
  makeStyles,
} from '@material-ui/core';
import AddIcon from '@material-ui/icons/Add';
import SearchIcon from '@material-ui/icons/Search';
import useAsync from 'react-use/esm/useAsync';
import {
  Content,
  ContentHeader,
  EmptyState,
  Header,
  LinkButton,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  WorkflowListFilters,
  selfServiceRunReadPermission,
  selfServiceWorkflowCreatePermission,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { newWorkflowRouteRef } from '../../routes';
import {
  WorkflowResults,
  narrowWorkflowPages,
  useWorkflowPages,
} from '../Workflows';
import {
  RunList,
  RunFilter,
  useOptionalRouteRef,
  useRunSignals,
} from '../Runs';
import { ExpiringRunsList } from './ExpiringRunsList';

const useStyles = makeStyles(theme => ({
  tabs: {
    marginBottom: theme.spacing(3),
    borderBottom: `1px solid ${theme.palette.divider}`,
  },
  count: {
    display: 'inline-block',
    minWidth: theme.spacing(2.5),
    marginLeft: theme.spacing(1),
    padding: theme.spacing(0, 0.75),
    borderRadius: theme.spacing(1.25),
    backgroundColor: theme.palette.secondary.main,
    color: theme.palette.secondary.contrastText,
    fontSize: theme.typography.caption.fontSize,
    lineHeight: `${theme.spacing(2.5)}px`,
    textAlign: 'center',
  },
  filters: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(1),
  },
  search: {
    minWidth: 280,
    flexGrow: 1,
    maxWidth: 480,
  },
  scope: {
    minWidth: 160,
  },
  busy: {
    height: 4,
    marginBottom: theme.spacing(1),
  },
}));

/** The tabs of the page; the `?tab=` search parameter holds the open one. */
type TabId = 'workflows' | 'mine' | 'expiring' | 'approvals' | 'all';

const TAB_IDS: TabId[] = ['workflows', 'mine', 'expiring', 'approvals', 'all'];

/**
 * `self-service.run.read` is a resource permission, and the permission
 * framework refuses direct user requests without a resource. Asking about a
 * run that cannot exist gives an unconditional ALLOW (for example the
 * platform team's) as ALLOW, and anything conditional as DENY, since the
 * conditions match no run: exactly "may see every run".
 */
const ALL_RUNS_RESOURCE_REF = '*';

function parseTab(value: string | null): TabId {
  return TAB_IDS.find(id => id === value) ?? 'workflows';
}

/**
 * The longest the count of runs pending approval waits after a run changed;
 * a burst of run signals within it gives a single refetch.
 */
export const PENDING_COUNT_REFRESH_MS = 2000;

/**
 * The number of runs waiting for the caller's approval, for the tab label,
 * and a function that refetches it. It is refetched, at most once every
 * {@link PENDING_COUNT_REFRESH_MS}, when the backend signals that a run
 * changed: any run may have come to wait for the caller, or stopped to.
 */
function usePendingApprovalCount(): {
  count: string | undefined;
  refetch: () => void;
} {
  const api = useApi(selfServiceApiRef);
  const [generation, setGeneration] = useState(0);
  const { value } = useAsync(
    () => api.listRuns({ approvable: true }),
    [api, generation],
  );
  // The last count known, so a failed refetch does not hide it.
  const [known, setKnown] = useState<typeof value>();
  useEffect(() => {
    if (value) {
      setKnown(value);
    }
  }, [value]);

  const timer = useRef<ReturnType<typeof setTimeout>>();
  const refetch = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = undefined;
    setGeneration(g => g + 1);
  }, []);
  useRunSignals(() => {
    if (timer.current === undefined) {
      timer.current = setTimeout(refetch, PENDING_COUNT_REFRESH_MS);
    }
  });
  useEffect(() => () => clearTimeout(timer.current), []);

  const page = value ?? known;
  let count: string | undefined;
  if (page?.items.length) {
    count = page.nextCursor ? `${page.items.length}+` : `${page.items.length}`;
  }
  return { count, refetch };
}

/** Which scopes to show. */
type WorkflowScopeFilter = 'all' | 'global' | 'entity';

/** How long typing must pause before the server is searched, in ms. */
export const WORKFLOW_SEARCH_DEBOUNCE_MS = 100;

/** A search as the server gets it: trimmed, with single spaces. */
function normaliseSearch(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/** Whether a list was asked for with a search or a filter. */
function isFiltered(filters: WorkflowListFilters): boolean {
  return Boolean(filters.search || filters.scope || filters.approval);
}

/** What the count says the workflows match, if anything. */
function matchingText(filters: WorkflowListFilters): string | undefined {
  const filtered = Boolean(filters.scope || filters.approval);
  if (filters.search) {
    return filtered
      ? 'matching your search and filters'
      : 'matching your search';
  }
  return filtered ? 'matching your filters' : undefined;
}

/**
 * The workflows the caller may see, page by page, with a search and filters
 * the server applies, a run button on each, and a link to publish a new one
 * for those allowed to.
 */
function WorkflowsPanel() {
  const classes = useStyles();
  const newWorkflowLink = useOptionalRouteRef(newWorkflowRouteRef);
  const searchId = useId();
  const scopeId = useId();
  const { allowed: canCreate } = usePermission({
    permission: selfServiceWorkflowCreatePermission,
  });
  // What is typed shows at once; the server is asked once typing pauses.
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const [scope, setScope] = useState<WorkflowScopeFilter>('all');
  const [approvalOnly, setApprovalOnly] = useState(false);

  useEffect(() => {
    const next = normaliseSearch(searchText);
    const timer = setTimeout(
      () => setSearch(next),
      WORKFLOW_SEARCH_DEBOUNCE_MS,
    );
    return () => clearTimeout(timer);
  }, [searchText]);

  const filters: WorkflowListFilters = {
    ...(search ? { search } : {}),
    ...(scope !== 'all' ? { scope } : {}),
    ...(approvalOnly ? { approval: true } : {}),
  };
  // Typing on narrows the cards shown at once; the server adds the rest.
  const typedSearch = normaliseSearch(searchText);
  const pages = narrowWorkflowPages(useWorkflowPages(filters), typedSearch);
  const { loaded, loading, narrowed, error } = pages;

  const clearFilters = () => {
    setSearchText('');
    setSearch('');
    setScope('all');
    setApprovalOnly(false);
  };

  // Without a search or filter, and nothing to find, the filters go: the
  // empty state or error says all there is.
  const showFilters =
    isFiltered(filters) ||
    typedSearch !== '' ||
    (loaded !== undefined &&
      (loaded.totalCount > 0 || isFiltered(loaded.filters)));

  let results: ReactNode;
  if (error) {
    results = (
      <ResponseErrorPanel title="Could not load workflows" error={error} />
    );
  } else if (!loaded) {
    results = <Progress />;
  } else if (!loaded.items.length && !isFiltered(loaded.filters)) {
    results = (
      <EmptyState
        missing="content"
        title="No workflows yet"
        description="Platform teams publish workflows through the Self-Service API. Once they do, the workflows you may see appear here."
      />
    );
  } else if (!loaded.items.length && !narrowed) {
    results = (
      <Box>
        <Typography variant="body1" gutterBottom role="status">
          No workflow matches your search and filters.
        </Typography>
        <Button variant="outlined" onClick={clearFilters}>
          Clear search and filters
        </Button>
      </Box>
    );
  } else {
    results = (
      <WorkflowResults
        pages={pages}
        matching={matchingText(loaded.filters)}
        showEditLinks
      />
    );
  }

  return (
    <>
      <ContentHeader
        title="Workflows"
        description="Workflows that platform teams publish for you to run."
      >
        {canCreate && newWorkflowLink && (
          <LinkButton
            to={newWorkflowLink()}
            variant="contained"
            color="primary"
            startIcon={<AddIcon aria-hidden="true" />}
          >
            New workflow
          </LinkButton>
        )}
      </ContentHeader>
      {showFilters && (
        <div className={classes.filters}>
          <TextField
            id={searchId}
            className={classes.search}
            type="search"
            label="Search workflows"
            variant="outlined"
            size="small"
            value={searchText}
            onChange={event => setSearchText(event.target.value)}
            InputProps={{
              startAdornment: (
                <InputAdornment position="start">
                  <SearchIcon aria-hidden="true" />
                </InputAdornment>
              ),
            }}
          />
          <TextField
            id={scopeId}
            className={classes.scope}
            select
            label="Scope"
            variant="outlined"
            size="small"
            value={scope}
            SelectProps={{ native: true }}
            onChange={(event: ChangeEvent<{ value: unknown }>) =>
              setScope(event.target.value as WorkflowScopeFilter)
            }
          >
            <option value="all">All scopes</option>
            <option value="global">Global</option>
            <option value="entity">Entity</option>
          </TextField>
          <FormControlLabel
            control={
              <Switch
                color="primary"
                checked={approvalOnly}
                onChange={event => setApprovalOnly(event.target.checked)}
              />
            }
            label="Approval required only"
          />
        </div>
      )}
      {/* Room for the bar, so the list does not jump while a search runs. */}
      <div className={classes.busy}>
        {showFilters && (loading || narrowed) && loaded && (
          <LinearProgress aria-label="Searching workflows" />
        )}
      </div>
      <div aria-busy={loading}>{results}</div>
    </>
  );
}

/** One list of runs under its heading. */
function RunsPanel(props: {
  title: string;
  description: string;
  filter: RunFilter;
  emptyText: string;
  showRequester?: boolean;
}) {
  const { title, description, filter, emptyText, showRequester } = props;
  const headingId = useId();
  return (
    <>
      <ContentHeader
        titleComponent={
          <Typography id={headingId} variant="h4" component="h2">
            {title}
          </Typography>
        }
        description={description}
      />
      <RunList
        filter={filter}
        labelledBy={headingId}
        emptyText={emptyText}
        showRequester={showRequester}
      />
    </>
  );
}

/** The caller's runs that expire, soonest first. */
function ExpiringPanel() {
  const headingId = useId();
  return (
    <>
      <ContentHeader
        titleComponent={
          <Typography id={headingId} variant="h4" component="h2">
            Expiring
          </Typography>
        }
        description="Your runs that expire, soonest first. When one expires, its workflow's teardown runs. Open a run to extend it or tear it down now."
      />
      <ExpiringRunsList labelledBy={headingId} />
    </>
  );
}

/**
 * The workflows the caller may see and run, their runs, those of their runs
 * that expire, the runs waiting for their approval and, for those the
 * policy lets see every run, all runs.
 */
export function SelfServiceContent() {
  const classes = useStyles();
  const baseId = useId();
  const [searchParams, setSearchParams] = useSearchParams();
  const { count: pendingCount, refetch: refetchPendingCount } =
    usePendingApprovalCount();
  const { allowed: canSeeAllRuns } = usePermission({
    permission: selfServiceRunReadPermission,
    resourceRef: ALL_RUNS_RESOURCE_REF,
  });

  const requested = parseTab(searchParams.get('tab'));
  const tab: TabId =
    requested === 'all' && !canSeeAllRuns ? 'workflows' : requested;

  const selectTab = (next: TabId) => {
    // The count may be stale by now; the user looking around is a good time.
    refetchPendingCount();
    setSearchParams(
      prev => {
        const params = new URLSearchParams(prev);
        if (next === 'workflows') {
          params.delete('tab');
        } else {
          params.set('tab', next);
        }
        return params;
      },
      { replace: true },
    );
  };

  const tabProps = (id: TabId) => ({
    value: id,
    id: `${baseId}-tab-${id}`,
    'aria-controls': `${baseId}-panel-${id}`,
  });

  let panel: ReactNode;
  switch (tab) {
    case 'mine':
      panel = (
        <RunsPanel
          title="My runs"
          description="Workflow runs you requested, newest first."
          filter={{ mine: true }}
          emptyText="You have not run any workflows yet."
          showRequester={false}
        />
      );
      break;
    case 'expiring':
      panel = <ExpiringPanel />;
      break;
    case 'approvals':
      panel = (
        <RunsPanel
          title="Pending my approval"
          description="Runs that wait for you, as an approver, to approve or reject them."
          filter={{ approvable: true }}
          emptyText="No runs are waiting for your approval."
        />
      );
      break;
    case 'all':
      panel = (
        <RunsPanel
          title="All runs"
          description="Every workflow run, newest first."
          filter={{}}
          emptyText="No workflow has run yet."
        />
      );
      break;
    default:
      panel = <WorkflowsPanel />;
  }

  return (
    <Content>
      <Tabs
        className={classes.tabs}
        value={tab}
        onChange={(_event, next: TabId) => selectTab(next)}
        aria-label="Self-Service"
        indicatorColor="primary"
        textColor="primary"
        variant="scrollable"
        scrollButtons="auto"
      >
        <Tab label="Workflows" {...tabProps('workflows')} />
        <Tab label="My runs" {...tabProps('mine')} />
        <Tab label="Expiring" {...tabProps('expiring')} />
        <Tab
          label={
            <span>
              Pending my approval
              {pendingCount && (
                <>
                  {' '}
                  <span className={classes.count}>{pendingCount}</span>
                </>
              )}
            </span>
          }
          {...tabProps('approvals')}
        />
        {canSeeAllRuns && <Tab label="All runs" {...tabProps('all')} />}
      </Tabs>
      <div
        key={tab}
        role="tabpanel"
        id={`${baseId}-panel-${tab}`}
        aria-labelledby={`${baseId}-tab-${tab}`}
      >
        {panel}
      </div>
    </Content>
  );
}

/** The Self-Service page of the legacy frontend system. */
export function SelfServicePage() {
  return (
    <Page themeId="tool">
      <Header
        title="Self-Service"
        subtitle="Run the workflows your platform teams publish"
      />
      <SelfServiceContent />
    </Page>
  );
}
