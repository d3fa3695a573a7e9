package dev.audiopipeline.examples.live;

import java.util.ArrayList;
import java.util.List;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.Mixer;
import javax.sound.sampled.SourceDataLine;
import javax.sound.sampled.TargetDataLine;
import org.jspecify.annotations.Nullable;

/**
 * The machine's sound devices through {@code javax.sound.sampled}, numbered as {@code
 * --list-devices} prints them. On a machine without sound devices (a server, a container) the lists
 * are empty; nothing here throws for that.
 */
public final class AudioDevices {
  /** What RoomConsole captures and plays: 48 kHz mono signed 16-bit little-endian. */
  public static final AudioFormat FORMAT = new AudioFormat(48_000, 16, 1, true, false);

  private AudioDevices() {}

  /** A device: its number in its list and the mixer's name and description. */
  public record Device(int number, String name, String description, Mixer.Info info) {}

  /** Devices that can capture {@link #FORMAT}. */
  public static List<Device> inputs() {
    return devices(TargetDataLine.class);
  }

  /** Devices that can play {@link #FORMAT}. */
  public static List<Device> outputs() {
    return devices(SourceDataLine.class);
  }

  private static List<Device> devices(Class<?> lineClass) {
    List<Device> out = new ArrayList<>();
    Mixer.Info[] infos;
    try {
      infos = AudioSystem.getMixerInfo();
    } catch (RuntimeException | LinkageError e) {
      return out;
    }
    DataLine.Info wanted = new DataLine.Info(lineClass, FORMAT);
    for (Mixer.Info i : infos) {
      try {
        if (AudioSystem.getMixer(i).isLineSupported(wanted)) {
          out.add(new Device(out.size(), i.getName(), i.getDescription(), i));
        }
      } catch (RuntimeException | LinkageError e) {
        // a mixer that cannot be asked is not listed
      }
    }
    return out;
  }

  /** The text of {@code --list-devices}. */
  public static String describe() {
    StringBuilder b = new StringBuilder();
    List<Device> in = inputs();
    List<Device> out = outputs();
    b.append("Input devices (--input-device N), 48 kHz mono 16-bit:\n");
    if (in.isEmpty()) {
      b.append("  none on this machine (use --input-wav FILE, or --no-mic to only listen)\n");
    }
    for (Device d : in) {
      b.append("  ")
          .append(d.number())
          .append("  ")
          .append(d.name())
          .append(" — ")
          .append(d.description())
          .append('\n');
    }
    b.append("Output devices (--output-device N):\n");
    if (out.isEmpty()) {
      b.append("  none on this machine (use --output-wav FILE, or --no-playback)\n");
    }
    for (Device d : out) {
      b.append("  ")
          .append(d.number())
          .append("  ")
          .append(d.name())
          .append(" — ")
          .append(d.description())
          .append('\n');
    }
    return b.toString();
  }

  /**
   * Opens capture device {@code number} (null: the default one).
   *
   * @throws IllegalArgumentException if there is no such device, naming the ones there are
   */
  public static TargetDataLine openInput(@Nullable Integer number) throws LineUnavailableException {
    Mixer.Info info = pick(inputs(), number, "--input-device", "input");
    TargetDataLine l =
        info == null
            ? AudioSystem.getTargetDataLine(FORMAT)
            : AudioSystem.getTargetDataLine(FORMAT, info);
    l.open(FORMAT, 48_000 * 2 / 10);
    return l;
  }

  /** Opens playback device {@code number} (null: the default one). */
  public static SourceDataLine openOutput(@Nullable Integer number)
      throws LineUnavailableException {
    Mixer.Info info = pick(outputs(), number, "--output-device", "output");
    SourceDataLine l =
        info == null
            ? AudioSystem.getSourceDataLine(FORMAT)
            : AudioSystem.getSourceDataLine(FORMAT, info);
    l.open(FORMAT, 48_000 * 2 / 10);
    return l;
  }

  private static Mixer.@Nullable Info pick(
      List<Device> devices, @Nullable Integer number, String option, String kind) {
    if (devices.isEmpty()) {
      throw new IllegalArgumentException(
          "no sound " + kind + " device on this machine (--list-devices shows none)");
    }
    if (number == null) {
      return null;
    }
    if (number < 0 || number >= devices.size()) {
      throw new IllegalArgumentException(
          option
              + " "
              + number
              + " does not exist: accepted 0-"
              + (devices.size() - 1)
              + " (--list-devices)");
    }
    return devices.get(number).info();
  }
}
