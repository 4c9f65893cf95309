/** Runs `once` `warmup` times unmeasured, then `runs` times, returning what each run reported. */
export async function measure(runs: number, warmup: number, once: () => Promise<number>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  return samples;
}
