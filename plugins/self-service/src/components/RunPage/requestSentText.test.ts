import { requestSentData } from './eventData';
import {
  attemptLabel,
  nextAttemptText,
  requestSentTitle,
} from './requestSentText';

const NOW = Date.parse('2026-01-02T10:00:00.000Z');

/** The data of an attempt that got `status`, at `attempt` of `maxAttempts`. */
function answered(
  status: number,
  statusText: string,
  position: { attempt?: number; maxAttempts?: number } = {},
) {
  return requestSentData({
    ...position,
    durationMs: 12,
    outcome: status < 300 ? 'success' : 'failure',
    request: { method: 'POST', url: 'https://ci.example.com/run' },
    response: { status, statusText, headers: {}, body: '' },
  });
}

describe('requestSentText', () => {
  describe('attemptLabel', () => {
    it.each([
      [{}, undefined],
      [{ attempt: 1, maxAttempts: 1 }, undefined],
      [{ attempt: 1, maxAttempts: 3 }, 'Attempt 1 of 3'],
      [{ attempt: 3, maxAttempts: 3 }, 'Attempt 3 of 3'],
      // A resend of a delivery of one attempt is its second.
      [{ attempt: 2, maxAttempts: 2 }, 'Attempt 2 of 2'],
      [{ attempt: 2 }, 'Attempt 2'],
      [{ attempt: 1 }, undefined],
    ])('labels %j as %s', (position, label) => {
      expect(attemptLabel(answered(200, 'OK', position))).toBe(label);
    });
  });

  describe('requestSentTitle', () => {
    it('reads as it always has for the only attempt', () => {
      expect(
        requestSentTitle(answered(200, 'OK', { attempt: 1, maxAttempts: 1 })),
      ).toBe(
        'Sent HTTP request POST https://ci.example.com/run — 200 OK in 12 ms',
      );
    });

    it('leads with the attempt when there are more', () => {
      expect(
        requestSentTitle(
          answered(503, 'Service Unavailable', { attempt: 1, maxAttempts: 3 }),
        ),
      ).toBe(
        'Attempt 1 of 3: sent HTTP request POST https://ci.example.com/run — 503 Service Unavailable in 12 ms',
      );
    });

    it('says the outcome of an interrupted attempt is unknown', () => {
      const interrupted = requestSentData({
        attempt: 1,
        maxAttempts: 2,
        webhookId: 'msg_1',
        outcome: 'unknown',
        error: { kind: 'interrupted', message: 'The replica stopped' },
      });
      expect(requestSentTitle(interrupted)).toBe(
        'Attempt 1 of 2: outcome unknown — the replica sending it stopped before recording the answer',
      );
      expect(
        requestSentTitle({ ...interrupted, attempt: 1, maxAttempts: 1 }),
      ).toBe(
        'HTTP request: outcome unknown — the replica sending it stopped before recording the answer',
      );
    });
  });

  describe('nextAttemptText', () => {
    it.each([
      ['2026-01-02T10:05:00.000Z', 'Next attempt in 5 minutes'],
      ['2026-01-02T12:00:00.000Z', 'Next attempt in 2 hours'],
      // Where a relative time would say "just now".
      ['2026-01-02T10:00:05.000Z', 'Next attempt in a few seconds'],
      ['2026-01-02T09:57:00.000Z', 'Next attempt was due 3 minutes ago'],
      ['2026-01-02T10:00:00.000Z', 'Next attempt was due just now'],
      ['not a time', 'Next attempt at not a time'],
    ])('words %s as "%s"', (iso, text) => {
      expect(nextAttemptText(iso, NOW)).toBe(text);
    });
  });
});
