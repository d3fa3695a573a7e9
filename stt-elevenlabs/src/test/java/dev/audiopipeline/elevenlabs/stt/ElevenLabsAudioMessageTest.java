package dev.audiopipeline.elevenlabs.stt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.audiopipeline.spi.WebSocketRequest;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The audio message is built in a reused array: each one is the exact JSON of its own chunk. */
class ElevenLabsAudioMessageTest {
  @Test
  void everyChunkLengthAndOffsetEncodesAsTheJdkDoes() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    ElevenLabsSttCodec codec =
        new ElevenLabsSttCodec(
            WebSocketRequest.of(URI.create("ws://127.0.0.1:1/stt"), Map.of()),
            mapper,
            16_000,
            false,
            false,
            Duration.ofSeconds(5),
            null);
    byte[] pcm = new byte[4000];
    new Random(3).nextBytes(pcm);
    // long, then short messages: a reused array longer than the message must not leak into it
    for (int length : new int[] {3200, 1600, 0, 1, 2, 3, 4, 5, 1599, 31, 3200}) {
      for (int offset : new int[] {0, 1, 7}) {
        String json = codec.audioMessage(pcm, offset, length);
        JsonNode n = mapper.readTree(json);
        assertThat(n.get("message_type").asText()).isEqualTo("input_audio_chunk");
        assertThat(n.get("audio_base_64").asText())
            .isEqualTo(
                Base64.getEncoder()
                    .encodeToString(Arrays.copyOfRange(pcm, offset, offset + length)));
        assertThat(n.get("commit").asBoolean()).isFalse();
        assertThat(n.get("sample_rate").asInt()).isEqualTo(16_000);
        assertThat(n.size()).isEqualTo(4);
      }
    }
  }
}
