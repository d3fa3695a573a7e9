package dev.audiopipeline.examples.cli;

import java.time.Duration;

/**
 * Checked option values for hand-written argument loops: each throws {@link
 * IllegalArgumentException} with a message that names the option and what it accepts.
 */
public final class OptionValues {
  private OptionValues() {}

  /** {@code args[i]}, the value of {@code option}; refused when absent or another option. */
  public static String value(String[] args, int i, String option) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  /** A participant identity: anything but blank. */
  public static String identity(String v, String option) {
    if (v.isBlank()) {
      throw new IllegalArgumentException(option + " is blank: give a participant identity");
    }
    return v;
  }

  /** Whole seconds from 1 to 86,400 (a day). */
  public static Duration seconds(String v, String option) {
    try {
      long n = Long.parseLong(v);
      if (n >= 1 && n <= 86_400) {
        return Duration.ofSeconds(n);
      }
    } catch (NumberFormatException e) {
      // fall through to the message below
    }
    throw new IllegalArgumentException(option + " '" + v + "': accepted 1 to 86400 seconds");
  }
}
