package dev.audiopipeline.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.audio.AudioConverter;
import dev.audiopipeline.audio.AudioFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
    ByteBuffer.wrap(b)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putShort(20, (short) 3)
        .putShort(34, (short) 32);
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

  // ------------------------------------------------------------- chunk walk (issue #9)

  /** A chunk: id, then the unsigned 32-bit size (which may lie), then the body and its pad byte. */
  private static byte[] chunk(String id, long declaredSize, byte[] body) {
    ByteBuffer b =
        ByteBuffer.allocate(8 + body.length + (body.length & 1)).order(ByteOrder.LITTLE_ENDIAN);
    b.put(id.getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        .putInt((int) declaredSize)
        .put(body);
    return b.array();
  }

  private static byte[] chunk(String id, byte[] body) {
    return chunk(id, body.length, body);
  }

  private static byte[] fmt(int tag, int channels, long rate, int blockAlign, int bits) {
    return chunk(
        "fmt ",
        ByteBuffer.allocate(16)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putShort((short) tag)
            .putShort((short) channels)
            .putInt((int) rate)
            .putInt((int) (rate * blockAlign))
            .putShort((short) blockAlign)
            .putShort((short) bits)
            .array());
  }

  private static byte[] pcm(short... samples) {
    ByteBuffer b = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    b.asShortBuffer().put(samples);
    return b.array();
  }

  /** RIFF/WAVE header plus the chunks (the RIFF size is not checked by readers, so 0 is fine). */
  private static byte[] wav(String magic, byte[]... chunks) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(magic.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    out.writeBytes(new byte[] {0, 0, 0, 0, 'W', 'A', 'V', 'E'});
    for (byte[] c : chunks) {
      out.writeBytes(c);
    }
    return out.toByteArray();
  }

  private static byte[] wav(byte[]... chunks) {
    return wav("RIFF", chunks);
  }

  private static byte[] fill(int n, int seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  private Path file(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  @Test
  void chunksOfAnySizeBeforeTheAudioAreSkipped() throws Exception {
    // cover art in LIST and id3, a broadcast iXML, a big odd-sized JUNK (pad byte): all larger than
    // the 64 KB read buffer, which is where BufferedInputStream.skip stops short
    short[] audio = {1, -2, 3, -4, 5, -6};
    byte[] bytes =
        wav(
            fmt(1, 2, 44_100, 4, 16),
            chunk("LIST", fill(200 * 1024, 1)),
            chunk("JUNK", fill(100_001, 2)),
            chunk("iXML", fill(70_000, 3)),
            chunk("id3 ", fill(300_000, 4)),
            chunk("data", pcm(audio)));
    try (WavFile.Reader r = WavFile.open(file("tagged.wav", bytes))) {
      assertThat(r.format()).isEqualTo(new AudioFormat(44_100, 2));
      assertThat(r.frames()).isEqualTo(3);
      assertThat(r.readAll()).containsExactly(audio);
    }
    // the same through a plain stream whose skip() moves at most 1000 bytes at a time
    try (WavFile.Reader r = WavFile.open(new StingySkipStream(bytes), "tagged.wav")) {
      assertThat(r.readAll()).containsExactly(audio);
    }
  }

  @Test
  void aPadByteIsSkippedAndAMissingOneTolerated() throws Exception {
    short[] audio = {7, -7};
    byte[] padded = chunk("LIST", fill(5, 6)); // 5 bytes + pad
    byte[] unpadded = java.util.Arrays.copyOf(padded, padded.length - 1); // a writer that forgot
    for (byte[] list : List.of(padded, unpadded)) {
      byte[] bytes = wav(fmt(1, 1, 16_000, 2, 16), list, chunk("data", pcm(audio)));
      try (WavFile.Reader r = WavFile.open(file("pad.wav", bytes))) {
        assertThat(r.frames()).isEqualTo(2);
        assertThat(r.readAll()).containsExactly(audio);
      }
    }
  }

  @Test
  void aChunkClaimingFourGigabytesIsSkippedWithoutBeingRead() throws Exception {
    // a stream of 4 GiB + a few bytes: a JUNK chunk declaring 0xFFFFFFF0 bytes (unsigned: 4 GiB),
    // then the audio. The bytes are produced on demand, so only a parser that skips in bounded
    // steps gets through; one that reads the chunk into memory runs out of heap.
    long junk = 0xFFFFFFF0L;
    short[] audio = {42, -42};
    byte[] head = wav(fmt(1, 1, 16_000, 2, 16), chunk("JUNK", junk, new byte[0]));
    AtomicLong skipped = new AtomicLong();
    InputStream body = new ZeroStream(junk, skipped);
    InputStream tail = new ByteArrayInputStream(chunk("data", pcm(audio)));
    InputStream all =
        new SequenceInputStream(
            Collections.enumeration(List.of(new ByteArrayInputStream(head), body, tail)));
    InputStream stingy =
        new java.io.FilterInputStream(all) {
          @Override
          public long skip(long n) throws IOException {
            return super.skip(Math.min(n, 1 << 20)); // skips less than asked, as streams may
          }
        };
    try (WavFile.Reader r = WavFile.open(stingy, "huge.wav")) {
      assertThat(r.readAll()).containsExactly(audio);
    }
    assertThat(skipped.get()).isEqualTo(junk);

    // the same size on a small file: the file ends inside the chunk, said plainly, nothing loaded
    Path small =
        file(
            "liar.wav",
            wav(
                fmt(1, 1, 16_000, 2, 16),
                chunk("JUNK", junk, fill(10, 5)),
                chunk("data", pcm(audio))));
    assertThatThrownBy(() -> WavFile.open(small))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("liar.wav")
        .hasMessageContaining("ends inside its 'JUNK' chunk")
        .hasMessageContaining("4294967280");
  }

  @Test
  void aStreamedOrTruncatedDataChunkIsReadToTheEnd() throws Exception {
    short[] audio = {10, 20, 30, 40, 50};
    // 0xFFFFFFFF: a streamed WAV whose header was never patched
    Path streamed =
        file("streamed.wav", wav(fmt(1, 1, 16_000, 2, 16), chunk("data", 0xFFFFFFFFL, pcm(audio))));
    try (WavFile.Reader r = WavFile.open(streamed)) {
      assertThat(r.frames()).isEqualTo(-1);
      assertThat(r.readAll()).containsExactly(audio);
    }
    // 0: the same, from another writer
    try (WavFile.Reader r =
        WavFile.open(
            file("zero.wav", wav(fmt(1, 1, 16_000, 2, 16), chunk("data", 0, pcm(audio)))))) {
      assertThat(r.readAll()).containsExactly(audio);
    }
    // the header promises a million bytes, the file holds ten (and an odd byte): what is there
    byte[] truncated = wav(fmt(1, 1, 16_000, 2, 16), chunk("data", 1_000_000, pcm(audio)));
    truncated = java.util.Arrays.copyOf(truncated, truncated.length + 1);
    try (WavFile.Reader r = WavFile.open(file("cut.wav", truncated))) {
      assertThat(r.frames()).isEqualTo(-1);
      assertThat(r.readAll()).containsExactly(audio);
    }
    // through a stream of unknown length, frame by frame
    try (WavFile.Reader r = WavFile.open(new ByteArrayInputStream(truncated), "cut.wav")) {
      assertThat(r.frames()).isEqualTo(500_000);
      short[] buf = new short[4];
      assertThat(r.read(buf, 0, 4)).isEqualTo(4);
      assertThat(r.read(buf, 0, 4)).isEqualTo(1);
      assertThat(buf[0]).isEqualTo((short) 50);
      assertThat(r.read(buf, 0, 4)).isEqualTo(-1);
    }
  }

  @Test
  void rf64TakesTheDataSizeFromItsDs64Chunk() throws Exception {
    short[] audio = {1, 2, 3, 4};
    byte[] ds64 =
        ByteBuffer.allocate(28)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putLong(0)
            .putLong(4)
            .putLong(2)
            .putInt(0)
            .array(); // data size 4 bytes: 2 samples
    byte[] bytes =
        wav(
            "RF64",
            chunk("ds64", ds64),
            fmt(1, 1, 48_000, 2, 16),
            chunk("data", 0xFFFFFFFFL, pcm(audio)));
    try (WavFile.Reader r = WavFile.open(file("big.rf64.wav", bytes))) {
      assertThat(r.frames()).isEqualTo(2);
      assertThat(r.readAll()).containsExactly((short) 1, (short) 2);
    }
  }

  @Test
  void malformedHeadersAreRefusedSayingWhatWasWrong() throws Exception {
    byte[] data = chunk("data", pcm((short) 1));
    // the rate field read as unsigned: 4294967295 Hz, not -1 Hz
    assertThatThrownBy(
            () -> WavFile.open(file("rate.wav", wav(fmt(1, 1, 0xFFFFFFFFL, 2, 16), data))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rate.wav")
        .hasMessageContaining("4294967295 Hz")
        .hasMessageContaining("1000-384000 Hz");
    assertThatThrownBy(() -> WavFile.open(file("ch.wav", wav(fmt(1, 0, 16_000, 0, 16), data))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 channels")
        .hasMessageContaining("1-8 channels");
    assertThatThrownBy(() -> WavFile.open(file("align.wav", wav(fmt(1, 2, 16_000, 2, 16), data))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("block align 2");
    assertThatThrownBy(() -> WavFile.open(file("short.wav", wav(chunk("fmt ", new byte[8]), data))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed fmt chunk of 8 bytes");
    assertThatThrownBy(() -> WavFile.open(file("order.wav", wav(data, fmt(1, 1, 16_000, 2, 16)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("data chunk before fmt chunk");
    assertThatThrownBy(
            () ->
                WavFile.open(
                    file("nodata.wav", wav(fmt(1, 1, 16_000, 2, 16), chunk("LIST", new byte[5])))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no data chunk")
        .hasMessageContaining("'fmt ', 'LIST'");
    byte[] garbage =
        wav(fmt(1, 1, 16_000, 2, 16), new byte[] {0, 1, 2, 3, 4, 0, 0, 0, 9, 9, 9, 9}, data);
    assertThatThrownBy(() -> WavFile.open(file("garbage.wav", garbage)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed chunk header at byte 36")
        .hasMessageContaining("00010203");
    assertThatThrownBy(
            () ->
                WavFile.open(
                    file(
                        "twofmt.wav",
                        wav(fmt(1, 1, 16_000, 2, 16), fmt(1, 2, 16_000, 4, 16), data))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("second fmt chunk");
    assertThatThrownBy(() -> WavFile.open(file("empty.wav", new byte[0])))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a WAV file");
  }

  @Test
  void everyRateAWavFileMayHaveReachesTheRecognisersRates() throws Exception {
    // 11.025 and 96 kHz were accepted by the source and refused by the converter after the model
    // loaded; now the file's rate is the only check, at build time, and every rate it lets through
    // converts to every rate a recogniser asks for
    for (int rate :
        new int[] {
          8_000, 11_025, 12_000, 16_000, 22_050, 32_000, 44_100, 48_000, 88_200, 96_000, 176_400,
          192_000, 384_000
        }) {
      Path p = dir.resolve(rate + ".wav");
      WavFile.write(p, new AudioFormat(rate, 2), new short[2 * rate / 100]);
      assertThat(WavFileSource.builder().stereo(p, "a", "b").build()).isNotNull();
      for (int out : new int[] {8_000, 16_000, 24_000, 48_000}) {
        assertThat(AudioConverter.isSupported(new AudioFormat(rate, 2), AudioFormat.mono(out)))
            .as("%d Hz to %d Hz", rate, out)
            .isTrue();
      }
    }
  }

  /** A stream whose skip() moves at most 1000 bytes (as a buffered or network stream may). */
  private static final class StingySkipStream extends ByteArrayInputStream {
    StingySkipStream(byte[] b) {
      super(b);
    }

    @Override
    public synchronized long skip(long n) {
      return super.skip(Math.min(n, 1000));
    }
  }

  /** {@code length} zero bytes made on demand; skip() never skips, so the reader must read. */
  private static final class ZeroStream extends InputStream {
    private long left;
    private final AtomicLong consumed;

    ZeroStream(long length, AtomicLong consumed) {
      this.left = length;
      this.consumed = consumed;
    }

    @Override
    public int read() {
      if (left == 0) {
        return -1;
      }
      left--;
      consumed.incrementAndGet();
      return 0;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (left == 0) {
        return len == 0 ? 0 : -1;
      }
      int n = (int) Math.min(len, left);
      left -= n;
      consumed.addAndGet(n);
      return n; // the caller's bytes are left as they are: they are discarded anyway
    }

    @Override
    public long skip(long n) {
      return 0;
    }
  }
}
