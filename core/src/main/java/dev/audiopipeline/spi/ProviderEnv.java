package dev.audiopipeline.spi;

import dev.audiopipeline.AudioPipelineException;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Reads a provider's settings from environment variables (or any lookup a test or config system
 * gives) with the checks and messages every provider's {@code fromEnv} shares: a required
 * credential, optional values, a base URL. The messages name the variable, never a secret.
 *
 * <pre>{@code
 * ProviderEnv env = ProviderEnv.of(NAME, lookup);
 * Builder b = builder().apiKey(env.credential("ACME_API_KEY", "Acme API key"));
 * String v = env.get("ACME_MODEL");
 * if (v != null) b.model(v);
 * v = env.get("ACME_BASE_URL");
 * if (v != null) b.baseUrl(env.baseUrl("ACME_BASE_URL", v));
 * }</pre>
 */
public final class ProviderEnv {
  private final String provider;
  private final Function<String, @Nullable String> lookup;

  private ProviderEnv(String provider, Function<String, @Nullable String> lookup) {
    this.provider = provider;
    this.lookup = lookup;
  }

  /**
   * @param provider the provider's name, prefixed to configuration errors
   * @param lookup a variable's value by name, {@code null} when unset ({@code System::getenv})
   */
  public static ProviderEnv of(String provider, Function<String, @Nullable String> lookup) {
    return new ProviderEnv(
        Objects.requireNonNull(provider, "provider == null"),
        Objects.requireNonNull(lookup, "lookup == null"));
  }

  /** The variable's value, or {@code null} when it is unset or blank. */
  public @Nullable String get(String name) {
    String v = lookup.apply(name);
    return v == null || v.isBlank() ? null : v;
  }

  /**
   * A required credential, checked with {@link Secrets#checkCredential}.
   *
   * @param what what to export, e.g. {@code "Deepgram API key"}
   * @throws IllegalStateException when the variable is unset or blank: "{@code NAME} is not set:
   *     export your {@code what}, or use builder().apiKey(...)"
   * @throws IllegalArgumentException when the value holds a character no key has (the message names
   *     the character and its position, never the value)
   */
  public String credential(String name, String what) {
    String v = get(name);
    if (v == null) {
      throw new IllegalStateException(
          name + " is not set: export your " + what + ", or use builder().apiKey(...)");
    }
    return Secrets.checkCredential(name, v);
  }

  /**
   * Checks a base URL read from variable {@code name} with {@link WebSocketRequest#checkBaseUrl}.
   *
   * @return {@code url}
   * @throws AudioPipelineException when it is not accepted: a configuration error, the typed error
   *     a caller handles like the provider's others, "{@code provider}: ..." naming the variable
   *     and what is accepted
   */
  public String baseUrl(String name, String url) {
    try {
      WebSocketRequest.checkBaseUrl(name, url);
    } catch (IllegalArgumentException e) {
      throw new AudioPipelineException(provider + ": " + e.getMessage(), e);
    }
    return url;
  }

  @Override
  public String toString() {
    return "ProviderEnv{provider=" + provider + "}";
  }
}
