/** The files of a prediction run folder, as `predictBenchmark` writes them. */
export const predictionFiles = {
  raw: 'raw_pred.jsonl',
  predictions: 'predict.txt',
  /** BIRD's official prediction JSON, in place of predict.txt. */
  birdPredictions: 'predict.json',
  /** BIRD: the run's questions (JSON Lines, mini_dev's fields), aligned with gold.txt. */
  birdQuestions: 'questions.jsonl',
  gold: 'gold.txt',
  record: 'run.json',
  /** A vote run's votes, one line per question: candidates, groups, chosen, errors, repairs, timings. */
  votes: 'votes.jsonl',
} as const;

/** The reports `evaluatePredictions` (and `evaluateBirdRun` for BIRD) writes beside the predictions. */
export const reportFiles = {
  html: 'report.html',
  text: 'report.txt',
  summary: 'summary.json',
  items: 'items.jsonl',
} as const;
