package dev.audiopipeline.testing;

/**
 * Sees every audio payload a fake server receives, with the receive time: for load and latency
 * harnesses. Called on the server's socket-reader thread; must be fast and must not throw.
 */
@FunctionalInterface
public interface FakeAudioListener {
  /**
   * @param connection the connection it arrived on
   * @param pcm 16-bit little-endian PCM (decoded from base64 for ElevenLabs); do not keep it
   * @param offset start in {@code pcm}
   * @param length bytes
   * @param receivedNanos {@link System#nanoTime()} when the frame was read
   */
  void onAudio(FakeConnection connection, byte[] pcm, int offset, int length, long receivedNanos);
}
