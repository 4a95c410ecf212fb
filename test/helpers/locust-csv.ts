/**
 * Locust's CSV headers, for tests of the CSV report. They are Locust's own (locust/stats.py:
 * StatsCSV.requests_csv_columns, failures_columns, StatsCSVFileWriter.stats_history_csv_columns)
 * written out here on purpose: the point of these files is that they match Locust's, whatever our
 * code calls them.
 */

export const LOCUST_PERCENTILES = [
  '50%',
  '66%',
  '75%',
  '80%',
  '90%',
  '95%',
  '98%',
  '99%',
  '99.9%',
  '99.99%',
  '100%',
];

/** Our latency field behind each of Locust's percentile columns. */
export const PCT_FIELDS = [
  'p50',
  'p66',
  'p75',
  'p80',
  'p90',
  'p95',
  'p98',
  'p99',
  'p999',
  'p9999',
  'max',
] as const;

export const LOCUST_STATS_HEADER = [
  'Type',
  'Name',
  'Request Count',
  'Failure Count',
  'Median Response Time',
  'Average Response Time',
  'Min Response Time',
  'Max Response Time',
  'Average Content Size',
  'Requests/s',
  'Failures/s',
  ...LOCUST_PERCENTILES,
];

export const LOCUST_HISTORY_HEADER = [
  'Timestamp',
  'User Count',
  'Type',
  'Name',
  'Requests/s',
  'Failures/s',
  ...LOCUST_PERCENTILES,
  'Total Request Count',
  'Total Failure Count',
  'Total Median Response Time',
  'Total Average Response Time',
  'Total Min Response Time',
  'Total Max Response Time',
  'Total Average Content Size',
];

export const LOCUST_FAILURES_HEADER = ['Method', 'Name', 'Error', 'Occurrences'];
