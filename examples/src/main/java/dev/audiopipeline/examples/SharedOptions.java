package dev.audiopipeline.examples;

import static dev.audiopipeline.examples.cli.OptionValues.value;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The options {@link InterviewBot} and {@link TranscribeInterview} share, parsed and checked in one
 * place: {@code --help}, {@code --out DIR}, {@code --stt NAME}, {@code --turn-detection MODE} and
 * {@code --verbose}. Each tool's argument loop offers every argument to {@link #accept} first and
 * handles only its own options; {@link #check()} then checks the shared values. One instance per
 * parse (mutable while parsing).
 */
final class SharedOptions {
  /** Every turn-detection mode, in the order a message lists them, with what each does. */
  private static final Map<String, String> TURN_MODES =
      Map.of(
          "off", "none: each recogniser's own silence timer ends utterances",
          "vad", "speech activity only: a turn ends after a silence",
          "turn", "speech activity and the end-of-turn model");

  private static final List<String> TURN_ORDER = List.of("off", "vad", "turn");

  private final List<String> turnModes;

  @Nullable Path out;
  @Nullable String stt;
  String turnDetection;
  boolean verbose;
  boolean help;

  /**
   * @param turnModes the {@code --turn-detection} modes the tool accepts; the first is the default
   */
  SharedOptions(List<String> turnModes) {
    if (turnModes.isEmpty() || !TURN_ORDER.containsAll(turnModes)) {
      throw new IllegalArgumentException("turn modes " + turnModes + ": accepted " + TURN_ORDER);
    }
    this.turnModes = List.copyOf(turnModes);
    this.turnDetection = turnModes.get(0);
  }

  /**
   * Takes {@code args[i]} if it is a shared option (with its value): returns the index of the last
   * argument it used, or -1 when {@code args[i]} is not a shared option.
   */
  int accept(String[] args, int i) {
    String a = args[i];
    switch (a) {
      case "--help", "-h" -> help = true;
      case "--verbose", "--debug" -> verbose = true;
      case "--out" -> out = Path.of(value(args, ++i, a));
      case "--stt" -> stt = value(args, ++i, a);
      case "--turn-detection" -> turnDetection = value(args, ++i, a);
      default -> {
        return -1;
      }
    }
    return i;
  }

  /** Checks the shared values; the message names the option and what it accepts. */
  void check() {
    if (stt != null && !SttChoice.NAMES.contains(stt)) {
      throw new IllegalArgumentException(
          "--stt '"
              + stt
              + "' is not a recogniser: accepted "
              + String.join(", ", SttChoice.NAMES));
    }
    if (!turnModes.contains(turnDetection)) {
      List<String> names = new ArrayList<>();
      List<String> what = new ArrayList<>();
      for (String m : TURN_ORDER) {
        if (turnModes.contains(m)) {
          names.add(m);
          what.add(m + ": " + TURN_MODES.get(m) + (m.equals(turnModes.get(0)) ? " (default)" : ""));
        }
      }
      throw new IllegalArgumentException(
          "--turn-detection '"
              + turnDetection
              + "' is not a mode: accepted "
              + String.join(", ", names.subList(0, names.size() - 1))
              + " or "
              + names.get(names.size() - 1)
              + " ("
              + String.join("; ", what)
              + ")");
    }
  }
}
