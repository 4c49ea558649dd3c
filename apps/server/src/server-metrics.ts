const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

class Histogram {
  readonly counts = latencyBuckets.map(() => 0);
  count = 0;
  sum = 0;

  observe(value: number): void {
    latencyBuckets.forEach((bound, index) => {
      if (value <= bound) this.counts[index] = (this.counts[index] as number) + 1;
    });
    this.count += 1;
    this.sum += value;
  }
}

const labelText = (labels: Record<string, string>): string => {
  const entries = Object.entries(labels);
  return entries.length === 0
    ? ''
    : `{${entries.map(([key, value]) => `${key}="${value.replace(/["\\\n]/g, (character) => (character === '\n' ? '\\n' : `\\${character}`))}"`).join(',')}}`;
};

/** How busy the model is now, read when /metrics is scraped. */
export interface LoadReading {
  running: number;
  waiting: number;
  admitted: number;
  capacity: number;
}

/** The server's Prometheus metrics, in the text exposition format. */
export class ServerMetrics {
  private readonly requests = new Map<string, { labels: Record<string, string>; value: number }>();
  private readonly durations = new Map<string, Histogram>();
  private readonly firstToken = new Histogram();
  private promptTokens = 0;
  private generatedTokens = 0;
  private rejected = 0;
  /** Generated-token counts per second of the last window, for the tokens/s gauge. */
  private readonly recent: { second: number; tokens: number }[] = [];
  private static readonly windowSeconds = 10;

  constructor(private readonly readLoad: () => LoadReading) {}

  request(route: string, method: string, status: number, seconds: number): void {
    const labels = { route, method, status: String(status) };
    const key = JSON.stringify(labels);
    const counter = this.requests.get(key) ?? { labels, value: 0 };
    counter.value += 1;
    this.requests.set(key, counter);
    const histogram = this.durations.get(route) ?? new Histogram();
    histogram.observe(seconds);
    this.durations.set(route, histogram);
    if (status === 429) this.rejected += 1;
  }

  firstTokenAfter(seconds: number): void {
    this.firstToken.observe(seconds);
  }

  tokens(prompt: number, generated: number): void {
    this.promptTokens += prompt;
    this.generatedTokens += generated;
    if (generated === 0) return;
    const second = Math.floor(Date.now() / 1000);
    const last = this.recent.at(-1);
    if (last?.second === second) last.tokens += generated;
    else this.recent.push({ second, tokens: generated });
  }

  /** Generated tokens per second over the last ten seconds. */
  tokensPerSecond(): number {
    const since = Math.floor(Date.now() / 1000) - ServerMetrics.windowSeconds;
    while ((this.recent[0]?.second ?? Infinity) <= since) this.recent.shift();
    return this.recent.reduce((total, entry) => total + entry.tokens, 0) / ServerMetrics.windowSeconds;
  }

  render(): string {
    const load = this.readLoad();
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [Record<string, string>, number][]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labelText(labels)} ${value}`);
    };
    const histogram = (name: string, help: string, series: [Record<string, string>, Histogram][]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const [labels, values] of series) {
        latencyBuckets.forEach((bound, index) =>
          lines.push(`${name}_bucket${labelText({ ...labels, le: String(bound) })} ${values.counts[index]}`),
        );
        lines.push(
          `${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${values.count}`,
          `${name}_sum${labelText(labels)} ${values.sum}`,
          `${name}_count${labelText(labels)} ${values.count}`,
        );
      }
    };
    metric(
      'aquila_http_requests_total',
      'counter',
      'HTTP requests answered, by route, method and status.',
      [...this.requests.values()].map(({ labels, value }) => [labels, value]),
    );
    metric('aquila_requests_rejected_total', 'counter', 'Requests refused with 429 because the queue was full.', [
      [{}, this.rejected],
    ]);
    metric('aquila_requests_running', 'gauge', 'Sequences in the running decode batch.', [[{}, load.running]]);
    metric('aquila_requests_waiting', 'gauge', 'Generation requests queued behind the running batch.', [
      [{}, load.waiting],
    ]);
    metric('aquila_requests_admitted', 'gauge', 'Generation requests admitted (running or queued).', [
      [{}, load.admitted],
    ]);
    metric('aquila_queue_capacity', 'gauge', 'Generation requests admitted at most (--parallel + --queue).', [
      [{}, load.capacity],
    ]);
    metric('aquila_prompt_tokens_total', 'counter', 'Prompt tokens processed.', [[{}, this.promptTokens]]);
    metric('aquila_generated_tokens_total', 'counter', 'Tokens generated.', [[{}, this.generatedTokens]]);
    metric('aquila_tokens_per_second', 'gauge', 'Tokens generated per second over the last 10 s.', [
      [{}, this.tokensPerSecond()],
    ]);
    histogram(
      'aquila_request_duration_seconds',
      'Time from request to the end of the response, by route.',
      [...this.durations].map(([route, values]) => [{ route }, values]),
    );
    histogram('aquila_time_to_first_token_seconds', 'Time from request to the first generated token.', [
      [{}, this.firstToken],
    ]);
    return `${lines.join('\n')}\n`;
  }
}
