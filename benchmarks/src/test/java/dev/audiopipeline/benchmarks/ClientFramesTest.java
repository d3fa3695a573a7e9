package dev.audiopipeline.benchmarks;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientFramesTest {
  private final List<long[]> seen = new ArrayList<>();
  private boolean compressed;
  private final StampingSocketFactory.ClientFrames frames =
      new StampingSocketFactory.ClientFrames(
          new StampingSocketFactory.AudioWrites() {
            @Override
            public void written(int id, long audioBytes, long nanos) {
              seen.add(new long[] {id, audioBytes, nanos});
            }

            @Override
            public void compressed() {
              compressed = true;
            }
          });

  /** A masked client frame (RFC 6455 5.2) with the given opcode and payload. */
  private static byte[] frame(int opcode, byte[] payload, boolean deflated) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x80 | (deflated ? 0x40 : 0) | opcode);
    if (payload.length < 126) {
      out.write(0x80 | payload.length);
    } else {
      out.write(0x80 | 126);
      out.write(payload.length >> 8);
      out.write(payload.length & 0xff);
    }
    byte[] mask = {0x12, 0x34, 0x56, 0x78};
    out.write(mask, 0, 4);
    for (int i = 0; i < payload.length; i++) {
      out.write(payload[i] ^ mask[i % 4]);
    }
    return out.toByteArray();
  }

  private static byte[] pcm(int samples, short value) {
    byte[] b = new byte[samples * 2];
    for (int i = 0; i < samples; i++) {
      b[2 * i] = (byte) value;
      b[2 * i + 1] = (byte) (value >> 8);
    }
    return b;
  }

  private void write(byte[] b, int from, int to, long nanos) {
    frames.follow(b, from, to - from, nanos);
  }

  @Test
  void countsBinaryPayloadAcrossWritesNamesTheSpeakerAndSkipsTheRequestAndTextFrames() {
    byte[] request = "GET /v1/listen HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(US_ASCII);
    byte[] first = frame(2, pcm(800, (short) 1017), false); // 1600 bytes: 16-bit length
    byte[] text = frame(1, "{\"type\":\"KeepAlive\"}".getBytes(US_ASCII), false);
    byte[] second = frame(2, pcm(800, (short) 5), false);

    write(request, 0, request.length, 1);
    write(first, 0, 3, 2); // cut inside the extended length
    write(first, 3, 9, 3); // cut inside the payload's first two bytes
    write(first, 9, first.length, 4);
    write(text, 0, text.length, 5);
    write(second, 0, second.length, 6);

    assertThat(seen).hasSize(2);
    assertThat(seen.get(0)).containsExactly(1017, 1600, 4);
    assertThat(seen.get(1)).containsExactly(1017, 3200, 6);
    assertThat(compressed).isFalse();
  }

  @Test
  void aCompressedBinaryFrameIsReported() {
    byte[] request = "GET / HTTP/1.1\r\n\r\n".getBytes(US_ASCII);
    byte[] deflated = frame(2, new byte[10], true);

    write(request, 0, request.length, 1);
    write(deflated, 0, deflated.length, 2);

    assertThat(compressed).isTrue();
  }
}
