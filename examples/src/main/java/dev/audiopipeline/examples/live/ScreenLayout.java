package dev.audiopipeline.examples.live;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The full-screen layout of the terminal view as rows of text with ANSI colours, from a {@link
 * LiveModel} and a terminal size: a title, one meter row per speaker (RMS bar with the peak hold,
 * RMS and peak in dBFS, a waveform of the last 0.3 s, talk time), the conversation (newest at the
 * bottom, wrapped, partials dim), the status line and the keys. Pure: no terminal needed, so tests
 * read exactly what the screen shows.
 */
public final class ScreenLayout {
  static final String RESET = "\033[0m";
  static final String DIM = "\033[2m";
  static final String BOLD = "\033[1m";
  static final String INVERSE = "\033[7m";
  private static final String[] COLOURS = {
    "\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m", "\033[31m"
  };
  private static final char[] WAVE = {' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'};
  static final int WAVE_BLOCKS = 30;

  private ScreenLayout() {}

  /** The colour escape of speaker number {@code index}. */
  static String colour(int index) {
    return COLOURS[Math.floorMod(index, COLOURS.length)];
  }

  /**
   * The rows of the screen, exactly {@code height} of them, each at most {@code width} visible
   * characters.
   *
   * @param title the top line, e.g. the room and identity
   * @param keys the bottom line, e.g. "m mute +/- volume q quit"
   */
  public static List<String> render(
      LiveModel model, String title, String keys, int width, int height) {
    width = Math.max(20, width);
    height = Math.max(6, height);
    List<String> rows = new ArrayList<>(height);
    rows.add(INVERSE + pad(" " + title, width) + RESET);
    List<LiveModel.Speaker> speakers = model.speakers();
    int meterRows = Math.min(speakers.size(), Math.max(0, height - 5));
    int nameWidth = 4;
    for (LiveModel.Speaker s : speakers) {
      nameWidth = Math.max(nameWidth, Math.min(24, s.label().length()));
    }
    for (int i = 0; i < meterRows; i++) {
      rows.add(meterRow(speakers.get(i), nameWidth, width));
    }
    rows.add(DIM + "─".repeat(width) + RESET);
    int convRows = height - rows.size() - 2;
    List<String> conv = new ArrayList<>();
    for (LiveModel.Line l : model.lines(Math.max(1, convRows))) {
      conv.addAll(lineRows(l, model, width));
    }
    int from = Math.max(0, conv.size() - convRows);
    for (int i = from; i < conv.size(); i++) {
      rows.add(conv.get(i));
    }
    while (rows.size() < height - 2) {
      rows.add("");
    }
    rows.add(statusRow(model.status(), width));
    rows.add(DIM + clip(keys, width) + RESET);
    for (int i = 0; i < rows.size(); i++) {
      rows.set(i, clipVisible(rows.get(i), width));
    }
    return rows;
  }

  private static String meterRow(LiveModel.Speaker s, int nameWidth, int width) {
    LevelMeter.Reading r = s.meter().read(WAVE_BLOCKS);
    String name = pad(clip(s.label(), nameWidth), nameWidth);
    String numbers =
        String.format(
            Locale.ROOT, " %5.1f dB rms %5.1f pk ", r.rmsDb(), Math.max(r.peakDb(), r.holdDb()));
    String talk = s.talkMs() > 0 ? " " + clock(s.talkMs()) : "";
    int waveWidth = Math.min(WAVE_BLOCKS, Math.max(0, (width - nameWidth - 4) / 4));
    int barWidth = width - nameWidth - 3 - numbers.length() - waveWidth - talk.length();
    StringBuilder b = new StringBuilder();
    b.append(colour(s.colour())).append(BOLD).append(name).append(RESET).append(" [");
    if (barWidth > 4) {
      b.append(bar(r.rmsDb(), r.holdDb(), barWidth));
    }
    b.append("]").append(numbers);
    float[] wave = r.waveform();
    for (int i = wave.length - waveWidth; i < wave.length; i++) {
      double level = i < 0 ? 0 : wave[i];
      // waveform on a dB scale so speech is visible at ordinary levels
      double db = LevelMeter.db(level);
      int idx = (int) Math.round((db - LevelMeter.FLOOR_DB) / -LevelMeter.FLOOR_DB * 8);
      b.append(WAVE[Math.max(0, Math.min(8, idx))]);
    }
    b.append(talk);
    return b.toString();
  }

  /** The RMS as filled cells ('█', '▌' for a half) and the peak hold as '|' on a 60 dB scale. */
  static String bar(double rmsDb, double holdDb, int cells) {
    double scale = -LevelMeter.FLOOR_DB;
    double fill = Math.max(0, (rmsDb - LevelMeter.FLOOR_DB) / scale) * cells;
    int full = (int) fill;
    boolean half = fill - full >= 0.5;
    int hold = (int) Math.round(Math.max(0, (holdDb - LevelMeter.FLOOR_DB) / scale) * cells) - 1;
    StringBuilder b = new StringBuilder(cells + 16);
    String zone = "";
    for (int i = 0; i < cells; i++) {
      String z = i >= cells * 0.9 ? "\033[31m" : i >= cells * 0.75 ? "\033[33m" : "\033[32m";
      if (!z.equals(zone)) {
        b.append(z);
        zone = z;
      }
      if (i < full) {
        b.append('█');
      } else if (i == full && half) {
        b.append('▌');
      } else if (i == hold && hold > 0) {
        b.append('|');
      } else {
        b.append(DIM).append('·').append(RESET);
        zone = "";
      }
    }
    return b.append(RESET).toString();
  }

  private static List<String> lineRows(LiveModel.Line l, LiveModel model, int width) {
    int colour = 0;
    for (LiveModel.Speaker s : model.speakers()) {
      if (s.label().equals(l.speaker())) {
        colour = s.colour();
      }
    }
    String time = l.startMs() >= 0 ? clock(l.startMs()) + " " : "";
    String head = time + l.speaker() + ": ";
    List<String> out = new ArrayList<>();
    String text = l.text();
    int first = Math.max(8, width - head.length());
    int indent = Math.min(head.length(), width / 3);
    int pos = 0;
    boolean firstRow = true;
    do {
      int room = firstRow ? first : width - indent;
      int end = Math.min(text.length(), pos + room);
      if (end < text.length()) {
        int space = text.lastIndexOf(' ', end);
        if (space > pos) {
          end = space + 1;
        }
      }
      String chunk = text.substring(pos, end);
      String body = l.isFinal() ? chunk : DIM + chunk + RESET;
      if (firstRow) {
        out.add(DIM + time + RESET + colour(colour) + BOLD + l.speaker() + RESET + ": " + body);
      } else {
        out.add(" ".repeat(indent) + body);
      }
      pos = end;
      firstRow = false;
    } while (pos < text.length());
    return out;
  }

  private static String statusRow(LiveModel.Status s, int width) {
    StringBuilder b = new StringBuilder();
    b.append(s.connection());
    b.append(" · reconnects ").append(s.reconnects());
    if (s.providerReconnects() > 0) {
      b.append(" · recogniser reconnects ").append(s.providerReconnects());
    }
    if (s.volume() >= 0) {
      b.append(" · volume ").append(Math.round(s.volume() * 100)).append('%');
    }
    if (s.muted()) {
      b.append(" · MUTED");
    }
    if (s.done()) {
      b.append(" · done");
    }
    if (s.note() != null) {
      b.append(" · ").append(s.note());
    }
    return INVERSE + pad(" " + clip(b.toString(), width - 1), width) + RESET;
  }

  /** {@code mm:ss} of {@code ms}. */
  static String clock(long ms) {
    long s = Math.max(0, ms) / 1000;
    return String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
  }

  static String clip(String s, int width) {
    return s.length() <= width ? s : s.substring(0, Math.max(0, width));
  }

  static String pad(String s, int width) {
    String c = clip(s, width);
    return c + " ".repeat(width - c.length());
  }

  /** {@code row} cut to {@code width} visible characters, its escape sequences kept. */
  static String clipVisible(String row, int width) {
    int visible = 0;
    StringBuilder b = new StringBuilder(row.length());
    for (int i = 0; i < row.length(); i++) {
      char c = row.charAt(i);
      if (c == '\033') {
        int end = i + 1;
        while (end < row.length() && !Character.isLetter(row.charAt(end))) {
          end++;
        }
        b.append(row, i, Math.min(row.length(), end + 1));
        i = end;
        continue;
      }
      if (visible == width) {
        return b.append(RESET).toString();
      }
      b.append(c);
      visible++;
    }
    return b.toString();
  }

  /** {@code row} without its escape sequences: what the terminal shows. */
  public static String visible(String row) {
    return row.replaceAll("\033\\[[0-9;]*[A-Za-z]", "");
  }
}
