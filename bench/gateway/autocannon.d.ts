// The part of autocannon's API the gateway benchmark uses; autocannon ships no types.
declare module 'autocannon' {
  interface AutocannonOptions {
    readonly url: string;
    readonly connections?: number;
    readonly duration?: number;
    /** Requests to send in all, instead of a duration. */
    readonly amount?: number;
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly timeout?: number;
  }

  interface Histogram {
    readonly average: number;
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
  }

  interface AutocannonResult {
    /** Seconds the run lasted. */
    readonly duration: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly '2xx': number;
    readonly latency: Histogram;
    readonly requests: Histogram & { readonly total: number; readonly sent: number };
  }

  function autocannon(options: AutocannonOptions): Promise<AutocannonResult>;
  export default autocannon;
}
