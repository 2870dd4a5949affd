import { useId, useRef, useState } from 'react';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
} from '@material-ui/core';
import Alert from '@material-ui/lab/Alert';
import { errorMessage } from './fieldErrors';

/** Props of {@link DeleteWorkflowDialog}. */
export interface DeleteWorkflowDialogProps {
  open: boolean;
  workflowName: string;
  onClose: () => void;
  /** Deletes the workflow; a rejection is shown in the dialog. */
  onConfirm: () => Promise<void>;
}

/** Asks before a workflow is deleted. */
export function DeleteWorkflowDialog(props: DeleteWorkflowDialogProps) {
  const { open, workflowName, onClose, onConfirm } = props;
  const id = useId();
  const cancelButton = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const close = () => {
    if (!busy) {
      setError(undefined);
      onClose();
    }
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      // The safe choice has focus first.
      TransitionProps={{ onEntered: () => cancelButton.current?.focus() }}
    >
      <DialogTitle id={`${id}-title`}>Delete workflow?</DialogTitle>
      <DialogContent>
        <DialogContentText id={`${id}-text`}>
          "{workflowName}" will no longer be listed or runnable. Its past runs
          and their history are kept.
        </DialogContentText>
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button ref={cancelButton} onClick={close} disabled={busy}>
          Cancel
        </Button>
        <Button
          color="secondary"
          variant="contained"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            try {
              await onConfirm();
            } catch (e) {
              setError(errorMessage(e));
              setBusy(false);
            }
          }}
        >
          {busy ? 'Deleting…' : 'Delete'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
