import { formatIsoDuration, parseIsoDuration } from './isoDuration';

describe('parseIsoDuration', () => {
  it.each([
    ['P5D', 5 * 24],
    ['PT2H', 2],
    ['P1DT12H', 36],
    ['PT90M', 1.5],
    [' P1W ', 7 * 24],
  ])('reads %j as %d hours', (text, hours) => {
    expect(parseIsoDuration(text)?.as('hours')).toBe(hours);
  });

  it.each([
    '',
    '5 days',
    'P5',
    'P',
    'PT',
    'P0D',
    'PT0S',
    'PT-2H',
    '-P1D',
    'P1DT-1H',
  ])('takes no %j: not a duration longer than zero', text => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });
});

describe('formatIsoDuration', () => {
  it.each([
    ['P5D', '5 days'],
    ['P1D', '1 day'],
    ['PT2H', '2 hours'],
    ['P1DT12H', '1 day 12 hours'],
    ['P1DT0H30M', '1 day 30 minutes'],
    ['PT1.5H', '1.5 hours'],
    ['P2W', '2 weeks'],
    ['P1Y2M', '1 year 2 months'],
  ])('writes %j as %j', (iso, text) => {
    expect(formatIsoDuration(iso)).toBe(text);
  });

  it.each(['five days', '', 'P0D', 'PT-2H'])(
    'shows %j, which it cannot read, as it is',
    text => {
      expect(formatIsoDuration(text)).toBe(text);
    },
  );
});
