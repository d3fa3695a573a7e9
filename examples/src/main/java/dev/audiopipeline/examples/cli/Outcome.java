package dev.audiopipeline.examples.cli;

import dev.audiopipeline.Transcript;
import java.util.List;

/**
 * What a run produced.
 *
 * @param finals every non-blank final, in timeline order
 * @param partials how many partials arrived
 * @param wallSeconds how long the run took
 */
public record Outcome(List<Transcript> finals, int partials, double wallSeconds) {
  public Outcome {
    finals = List.copyOf(finals);
  }
}
