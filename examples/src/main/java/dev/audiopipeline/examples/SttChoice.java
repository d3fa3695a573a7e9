package dev.audiopipeline.examples;

import dev.audiopipeline.AudioFormat;
import dev.audiopipeline.FallbackSttProvider;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.deepgram.DeepgramSttProvider;
import dev.audiopipeline.elevenlabs.stt.ElevenLabsSttProvider;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Picks a recogniser by name for the examples' {@code --stt} option. Keys come from the
 * environment ({@code fromEnv()} style):
 *
 * <table>
 *   <caption>--stt values</caption>
 *   <tr><th>name</th><th>recogniser</th><th>environment</th></tr>
 *   <tr><td>{@code sphinx}</td><td>embedded CMU Sphinx4 (default, offline)</td><td>—</td></tr>
 *   <tr><td>{@code elevenlabs}</td><td>ElevenLabs Scribe v2 realtime</td>
 *       <td>{@code ELEVENLABS_API_KEY} (+ optional {@code ELEVENLABS_BASE_URL},
 *       {@code ELEVENLABS_STT_MODEL}, {@code ELEVENLABS_STT_LANGUAGE})</td></tr>
 *   <tr><td>{@code deepgram}</td><td>Deepgram live</td>
 *       <td>{@code DEEPGRAM_API_KEY} (+ optional {@code DEEPGRAM_BASE_URL},
 *       {@code DEEPGRAM_MODEL}, {@code DEEPGRAM_LANGUAGE})</td></tr>
 *   <tr><td>{@code fallback}</td><td>ElevenLabs → Deepgram → Sphinx, using the cloud ones whose
 *       key is set</td><td>either key, or none (then Sphinx alone)</td></tr>
 * </table>
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
  public static Supplier<SttProvider> factory(String name, Function<String, @Nullable String> env) {
    switch (name) {
      case "sphinx":
        return SphinxSttProvider::create;
      case "elevenlabs":
        requireKey(env, "ELEVENLABS_API_KEY", name);
        return () -> ElevenLabsSttProvider.fromEnv(env);
      case "deepgram":
        requireKey(env, "DEEPGRAM_API_KEY", name);
        return () -> DeepgramSttProvider.fromEnv(env);
      case "fallback":
        return () -> fallback(env);
      default:
        throw new IllegalArgumentException(
            "--stt '" + name + "' is not a recogniser: accepted " + String.join(", ", NAMES));
    }
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
