package dev.audiopipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavFileTest {
  @TempDir Path dir;

  @Test
  void roundTripsSamplesAndFormat() throws Exception {
    short[] samples = {0, 1, -1, Short.MAX_VALUE, Short.MIN_VALUE, 1234};
    Path p = dir.resolve("a.wav");
    WavFile.write(p, new AudioFormat(22_050, 2), samples);
    try (WavFile.Reader r = WavFile.open(p)) {
      assertThat(r.format()).isEqualTo(new AudioFormat(22_050, 2));
      assertThat(r.frames()).isEqualTo(3);
      assertThat(r.readAll()).containsExactly(samples);
    }
  }

  @Test
  void skipsUnknownChunksBeforeTheData() throws Exception {
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    WavFile.write(plain, AudioFormat.MONO_16K, new short[] {7, 8}, 0, 2);
    byte[] b = plain.toByteArray();
    // insert a LIST chunk of 3 bytes (odd: padded to 4) between fmt and data
    ByteArrayOutputStream with = new ByteArrayOutputStream();
    with.write(b, 0, 36);
    with.write(new byte[] {'L', 'I', 'S', 'T', 3, 0, 0, 0, 1, 2, 3, 0});
    with.write(b, 36, b.length - 36);
    try (WavFile.Reader r = WavFile.open(new ByteArrayInputStream(with.toByteArray()), "x.wav")) {
      assertThat(r.readAll()).containsExactly((short) 7, (short) 8);
    }
  }

  @Test
  void refusesWhatIsNotSixteenBitPcmNamingTheFileAndWhatIsAccepted() throws Exception {
    Path text = dir.resolve("notes.wav");
    Files.writeString(text, "this is not audio at all, just some text");
    assertThatThrownBy(() -> WavFile.open(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("notes.wav")
        .hasMessageContaining("not a WAV file")
        .hasMessageContaining("16-bit signed PCM");

    Path floatWav = dir.resolve("float.wav");
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    WavFile.write(bos, AudioFormat.MONO_16K, new short[4], 0, 4);
    byte[] b = bos.toByteArray();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(20, (short) 3).putShort(34,
        (short) 32);
    Files.write(floatWav, b);
    assertThatThrownBy(() -> WavFile.open(floatWav))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("float.wav")
        .hasMessageContaining("IEEE float")
        .hasMessageContaining("accepted");

    assertThatThrownBy(() -> WavFile.open(dir.resolve("missing.wav")))
        .isInstanceOf(java.nio.file.NoSuchFileException.class)
        .hasMessageContaining("missing.wav");
  }

  @Test
  void sourceBuilderChecksFilesUpFront() throws Exception {
    Path mono = dir.resolve("mono.wav");
    WavFile.write(mono, AudioFormat.MONO_16K, new short[160]);
    assertThatThrownBy(() -> WavFileSource.builder().speaker("a", dir.resolve("nope.wav")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope.wav")
        .hasMessageContaining("not found");
    assertThatThrownBy(() -> WavFileSource.builder().stereo(mono, "l", "r").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stereo");
    assertThatThrownBy(() -> WavFileSource.builder().speaker("a", mono).speaker("a", mono))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("used twice");
    assertThatThrownBy(() -> WavFileSource.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no speakers");
  }
}
