package dev.audiopipeline.examples;

import dev.audiopipeline.FallbackSttProvider;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.deepgram.DeepgramSttProvider;
import dev.audiopipeline.elevenlabs.stt.ElevenLabsSttProvider;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Picks a recogniser by name for the examples' {@code --stt} option. Keys come from the environment
 * ({@code fromEnv()} style):
 *
 * <table>
 *   <caption>--stt values</caption>
 *   <tr><th>name</th><th>recogniser</th><th>environment</th></tr>
 *   <tr><td>{@code sphinx}</td><td>embedded CMU Sphinx4 (default, offline)</td><td>—</td></tr>
 *   <tr><td>{@code elevenlabs}</td><td>ElevenLabs Scribe v2 realtime</td>
 *       <td>{@code ELEVENLABS_API_KEY} (+ optional {@code ELEVENLABS_STT_BASE_URL},
 *       {@code ELEVENLABS_STT_MODEL}, {@code ELEVENLABS_STT_LANGUAGE})</td></tr>
 *   <tr><td>{@code deepgram}</td><td>Deepgram live</td>
 *       <td>{@code DEEPGRAM_API_KEY} (+ optional {@code DEEPGRAM_BASE_URL},
 *       {@code DEEPGRAM_MODEL}, {@code DEEPGRAM_LANGUAGE})</td></tr>
 *   <tr><td>{@code fallback}</td><td>ElevenLabs → Deepgram → Sphinx, using the cloud ones whose
 *       key is set</td><td>either key, or none (then Sphinx alone)</td></tr>
 * </table>
 *
 * <p>Base URLs: the recognisers speak WebSocket, so {@code ELEVENLABS_STT_BASE_URL} and {@code
 * DEEPGRAM_BASE_URL} take {@code wss://host} ({@code ws://} for a local fake); {@code https://} and
 * {@code http://} are accepted and mean {@code wss://} and {@code ws://}. The older {@code
 * ELEVENLABS_BASE_URL} is read when {@code ELEVENLABS_STT_BASE_URL} is unset, with the same
 * mapping, so one host serves both text-to-speech (which reads it as {@code https://}) and
 * speech-to-text. Anything else fails at once, naming the variable.
 */
public final class SttChoice {
  /** The accepted names. */
  public static final List<String> NAMES = List.of("sphinx", "elevenlabs", "deepgram", "fallback");

  private SttChoice() {}

  /** A factory for the named recogniser, reading keys from the process environment. */
  public static Supplier<SttProvider> factory(String name) {
    return factory(name, System::getenv);
  }

  /**
   * A factory for the named recogniser.
   *
   * @throws IllegalArgumentException for an unknown name (the message lists the accepted ones)
   * @throws IllegalStateException when the chosen cloud recogniser's key is not set
   */
  // env.apply(URL variable) is called for its check only: a bad URL fails now
  @SuppressWarnings("ReturnValueIgnored")
  public static Supplier<SttProvider> factory(
      String name, Function<String, @Nullable String> env0) {
    Function<String, @Nullable String> env = webSocketUrls(env0);
    switch (name) {
      case "sphinx":
        return SphinxSttProvider::create;
      case "elevenlabs":
        requireKey(env, "ELEVENLABS_API_KEY", name);
        env.apply("ELEVENLABS_BASE_URL"); // a bad URL fails now, not after the model loads
        return () -> ElevenLabsSttProvider.fromEnv(env);
      case "deepgram":
        requireKey(env, "DEEPGRAM_API_KEY", name);
        env.apply("DEEPGRAM_BASE_URL");
        return () -> DeepgramSttProvider.fromEnv(env);
      case "fallback":
        env.apply("ELEVENLABS_BASE_URL");
        env.apply("DEEPGRAM_BASE_URL");
        return () -> fallback(env);
      default:
        throw new IllegalArgumentException(
            "--stt '" + name + "' is not a recogniser: accepted " + String.join(", ", NAMES));
    }
  }

  /**
   * The environment as the STT providers' {@code fromEnv} should see it: {@code
   * ELEVENLABS_BASE_URL} answered from {@code ELEVENLABS_STT_BASE_URL} (else itself), and both base
   * URLs mapped to WebSocket schemes.
   *
   * @throws IllegalArgumentException (when a base URL is read) naming the variable and what is
   *     accepted
   */
  static Function<String, @Nullable String> webSocketUrls(Function<String, @Nullable String> env) {
    return var -> {
      if (var.equals("ELEVENLABS_BASE_URL")) {
        String stt = env.apply("ELEVENLABS_STT_BASE_URL");
        if (stt != null && !stt.isBlank()) {
          return webSocketUrl("ELEVENLABS_STT_BASE_URL", stt);
        }
        String shared = env.apply("ELEVENLABS_BASE_URL");
        return shared == null || shared.isBlank()
            ? null
            : webSocketUrl("ELEVENLABS_BASE_URL", shared);
      }
      if (var.equals("DEEPGRAM_BASE_URL")) {
        String v = env.apply(var);
        return v == null || v.isBlank() ? null : webSocketUrl(var, v);
      }
      return env.apply(var);
    };
  }

  /** {@code https://h} to {@code wss://h}, {@code http://h} to {@code ws://h}; ws(s) as given. */
  static String webSocketUrl(String var, String value) {
    String v = value.trim();
    String lower = v.toLowerCase(java.util.Locale.ROOT);
    String mapped;
    if (lower.startsWith("wss://") || lower.startsWith("ws://")) {
      mapped = v;
    } else if (lower.startsWith("https://")) {
      mapped = "wss://" + v.substring("https://".length());
    } else if (lower.startsWith("http://")) {
      mapped = "ws://" + v.substring("http://".length());
    } else {
      throw new IllegalArgumentException(
          var
              + " '"
              + v
              + "' is not a base URL: accepted"
              + " wss://host[:port] or ws://host[:port] (https:// and http:// mean the same)");
    }
    try {
      java.net.URI uri = new java.net.URI(mapped);
      if (uri.getHost() == null || uri.getRawQuery() != null) {
        throw new java.net.URISyntaxException(mapped, "no host, or a query");
      }
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(
          var
              + " '"
              + v
              + "' is not a base URL: accepted"
              + " wss://host[:port] or ws://host[:port] (no query)",
          e);
    }
    return mapped;
  }

  private static void requireKey(Function<String, @Nullable String> env, String var, String name) {
    String v = env.apply(var);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException("--stt " + name + " needs " + var + " in the environment");
    }
  }

  private static SttProvider fallback(Function<String, @Nullable String> env) {
    List<SttProvider> chain = new ArrayList<>();
    if (present(env, "ELEVENLABS_API_KEY")) {
      chain.add(ElevenLabsSttProvider.fromEnv(env));
    }
    if (present(env, "DEEPGRAM_API_KEY")) {
      chain.add(DeepgramSttProvider.fromEnv(env));
    }
    chain.add(SphinxSttProvider.create());
    if (chain.size() == 1) {
      return chain.get(0);
    }
    FallbackSttProvider.Builder b = FallbackSttProvider.builder();
    chain.forEach(b::add);
    return new Owning(b.build(), chain);
  }

  private static boolean present(Function<String, @Nullable String> env, String var) {
    String v = env.apply(var);
    return v != null && !v.isBlank();
  }

  /** A fallback that also closes the providers it was built from. */
  private static final class Owning implements SttProvider {
    private final FallbackSttProvider fallback;
    private final List<SttProvider> owned;

    Owning(FallbackSttProvider fallback, List<SttProvider> owned) {
      this.fallback = fallback;
      this.owned = owned;
    }

    @Override
    public String name() {
      return fallback.name();
    }

    @Override
    public AudioFormat inputFormat() {
      return fallback.inputFormat();
    }

    @Override
    public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
      return fallback.openSession(options, listener);
    }

    @Override
    public void close() {
      fallback.close();
      for (SttProvider p : owned) {
        p.close();
      }
    }

    @Override
    public String toString() {
      return fallback.toString();
    }
  }
}
