package dev.audiopipeline.livekit;

import dev.audiopipeline.spi.ReconnectPolicy;
import java.time.Duration;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/** What a {@link RoomSession} needs. {@link #toString()} leaves the token out. */
record RoomConfig(
    HttpUrl signalUrl,
    String token,
    String logPrefix,
    String threadTag,
    Duration joinTimeout,
    @Nullable OkHttpClient httpClient,
    ReconnectPolicy reconnectPolicy) {

  @Override
  public String toString() {
    return "RoomConfig{" + signalUrl.newBuilder().query(null).build() + ", " + logPrefix + "}";
  }
}
