import type { Sink, SinkRecord } from '../sinks/types.js';

/** A sink that reports each batch it accepted (after `write` resolved), for the dashboard. */
export function observeWrites(
  sink: Sink,
  onWritten: (sink: string, batch: readonly SinkRecord[]) => void,
): Sink {
  return {
    name: sink.name,
    start: () => sink.start(),
    async write(batch) {
      await sink.write(batch);
      try {
        onWritten(sink.name, batch);
      } catch {
        // the dashboard never gets in the way of delivery
      }
    },
    close: () => sink.close(),
  };
}
