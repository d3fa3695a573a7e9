package dev.audiopipeline.examples;

import static dev.audiopipeline.examples.cli.OptionValues.seconds;
import static dev.audiopipeline.examples.cli.OptionValues.value;

import dev.audiopipeline.examples.cli.OptionValues;
import dev.audiopipeline.examples.live.ServeAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** {@link RoomConsole}'s options after parsing (immutable), and its usage text. */
record RoomConsoleOptions(
    @Nullable String room,
    @Nullable String identity,
    @Nullable Integer inputDevice,
    @Nullable Path inputWav,
    boolean noMic,
    boolean listDevices,
    @Nullable Integer outputDevice,
    double volume,
    boolean noPlayback,
    @Nullable Path outputWav,
    boolean tui,
    @Nullable ServeAddress serve,
    @Nullable Duration duration,
    boolean verbose,
    boolean help) {

  static RoomConsoleOptions parse(String[] args) {
    String room = null;
    String identity = null;
    Integer inputDevice = null;
    Path inputWav = null;
    boolean noMic = false;
    boolean listDevices = false;
    Integer outputDevice = null;
    double volume = 1.0;
    boolean noPlayback = false;
    Path outputWav = null;
    boolean tui = false;
    ServeAddress serve = null;
    Duration duration = null;
    boolean verbose = false;
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--room" -> room = OptionValues.identity(value(args, ++i, a), a);
        case "--identity" -> identity = OptionValues.identity(value(args, ++i, a), a);
        case "--input-device" -> inputDevice = device(value(args, ++i, a), a);
        case "--input-wav" -> inputWav = Path.of(value(args, ++i, a));
        case "--no-mic" -> noMic = true;
        case "--list-devices" -> listDevices = true;
        case "--output-device" -> outputDevice = device(value(args, ++i, a), a);
        case "--volume" -> volume = volume(value(args, ++i, a));
        case "--no-playback" -> noPlayback = true;
        case "--output-wav" -> outputWav = Path.of(value(args, ++i, a));
        case "--tui" -> tui = true;
        case "--serve" -> serve = ServeAddress.parse(value(args, ++i, a), a);
        case "--duration" -> duration = seconds(value(args, ++i, a), a);
        case "--verbose" -> verbose = true;
        case "--help", "-h" -> help = true;
        default ->
            throw new IllegalArgumentException(
                "unknown option '"
                    + a
                    + "': accepted --room NAME, --identity NAME, --input-device N, --input-wav"
                    + " FILE, --no-mic, --list-devices, --output-device N, --volume 0..1,"
                    + " --no-playback, --output-wav FILE, --tui, --serve PORT, --duration SECONDS,"
                    + " --verbose, --help");
      }
    }
    int inputs = (inputDevice != null ? 1 : 0) + (inputWav != null ? 1 : 0) + (noMic ? 1 : 0);
    if (inputs > 1) {
      throw new IllegalArgumentException(
          "give one of --input-device N, --input-wav FILE or --no-mic");
    }
    if (noPlayback && outputDevice != null) {
      throw new IllegalArgumentException("--no-playback and --output-device N contradict");
    }
    if (inputWav != null && !Files.isReadable(inputWav)) {
      throw new IllegalArgumentException("--input-wav " + inputWav + ": no such readable file");
    }
    if (outputWav != null) {
      Path parent = outputWav.toAbsolutePath().getParent();
      if (Files.isDirectory(outputWav) || parent == null || !Files.isDirectory(parent)) {
        throw new IllegalArgumentException(
            "--output-wav " + outputWav + ": not a file in an existing directory");
      }
    }
    return new RoomConsoleOptions(
        room,
        identity,
        inputDevice,
        inputWav,
        noMic,
        listDevices,
        outputDevice,
        volume,
        noPlayback,
        outputWav,
        tui,
        serve,
        duration,
        verbose,
        help);
  }

  private static int device(String v, String option) {
    try {
      int n = Integer.parseInt(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(
        option + " '" + v + "': accepted a device number from --list-devices (0, 1, ...)");
  }

  private static double volume(String v) {
    try {
      double d = Double.parseDouble(v);
      if (d >= 0 && d <= 1) {
        return d;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException("--volume '" + v + "': accepted 0 to 1 (e.g. 0.5)");
  }

  static final String USAGE =
      """
      Usage: RoomConsole --room NAME --identity NAME [options]

      A person in a LiveKit room, from the terminal: publishes your microphone, plays the other
      participants, and shows the captions published on lk.transcription (by our bot, e.g.
      TranscribeInterview with captions, or any LiveKit agent) with level meters.

      Environment: LIVEKIT_URL and either LIVEKIT_TOKEN, or LIVEKIT_API_KEY + LIVEKIT_API_SECRET
      (then --room, or LIVEKIT_ROOM, and --identity, or LIVEKIT_IDENTITY, are needed).

      Options:
        --room NAME             the room to join
        --identity NAME         your participant identity
        --list-devices          list sound devices and exit (works without any)
        --input-device N        capture from device N (default: the system's default device)
        --input-wav FILE        play a WAV file as the microphone (any rate, 16-bit PCM), once
        --no-mic                publish nothing, only listen
        --output-device N       play on device N (default: the system's default device)
        --no-playback           play nothing
        --output-wav FILE       also record what would be played (48 kHz mono WAV)
        --volume V              playback volume 0..1 (default 1)
        --tui                   full-screen view: captions (partials replaced by finals), level
                                meters (RMS, peak hold, waveform) for you and each participant,
                                connection state; keys m mute/unmute, + and - volume, q quit
        --serve PORT            the live caption page at http://127.0.0.1:PORT/ (HOST:PORT to bind
                                elsewhere)
        --duration SECONDS      leave after this long (default: until q, Ctrl-C or the room ends)
        --verbose               stack traces of unexpected errors
        --help                  this text

      Without --tui, finals are printed as "mm:ss speaker: text".

      Exit status: 0 left the room, 1 failed (could not join, lost the room), 2 bad option,
      environment or device (nothing started), 130 Ctrl-C, 143 SIGTERM.
      """;
}
