package dev.audiopipeline.sphinx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PcmPipeTest {
  @Test
  void samplesComeOutAsLittleEndianBytesInOrder() throws Exception {
    PcmPipe pipe = new PcmPipe(8);
    assertThat(pipe.write(new short[] {0x0102, -2, 3}, 0, 3, 0)).isEqualTo(3);
    pipe.finish(Long.MAX_VALUE / 4);
    byte[] b = new byte[16];
    int n = pipe.read(b, 0, b.length);
    assertThat(n).isEqualTo(6);
    assertThat(b)
        .startsWith((byte) 0x02, (byte) 0x01, (byte) 0xfe, (byte) 0xff, (byte) 3, (byte) 0);
    assertThat(pipe.read(b, 0, b.length)).isEqualTo(-1);
    assertThat(pipe.writtenSamples()).isEqualTo(3);
    assertThat(pipe.droppedSamples()).isZero();
  }

  @Test
  void aFullPipeDropsAndCountsWhatDoesNotFitWithinTheWait() throws Exception {
    PcmPipe pipe = new PcmPipe(4);
    assertThat(pipe.write(new short[6], 0, 6, 0)).isEqualTo(4);
    assertThat(pipe.droppedSamples()).isEqualTo(2);
    byte[] b = new byte[4];
    assertThat(pipe.read(b, 0, 4)).isEqualTo(4); // two samples of room again, wrapping around
    assertThat(pipe.write(new short[] {7, 8}, 0, 2, 0)).isEqualTo(2);
    pipe.finish(Long.MAX_VALUE / 4);
    byte[] rest = new byte[8];
    int total = 0;
    int n;
    while ((n = pipe.read(rest, total, rest.length - total)) > 0) {
      total += n;
    }
    assertThat(total).isEqualTo(8);
    assertThat(rest[4]).isEqualTo((byte) 7);
    assertThat(rest[6]).isEqualTo((byte) 8);
  }

  @Test
  void aWriterWaitingForRoomIsReleasedByTheReader() throws Exception {
    PcmPipe pipe = new PcmPipe(2);
    Thread reader =
        new Thread(
            () -> {
              byte[] b = new byte[2];
              int got = 0;
              while (got < 8 && pipe.read(b, 0, 2) > 0) {
                got += 2;
              }
            },
            "test-reader");
    reader.start();
    assertThat(pipe.write(new short[4], 0, 4, 10_000_000_000L)).isEqualTo(4);
    reader.join(10_000);
    assertThat(pipe.droppedSamples()).isZero();
  }

  @Test
  void finishDeadlineInThePastEndsTheStreamAndCountsTheRest() throws Exception {
    PcmPipe pipe = new PcmPipe(16);
    pipe.write(new short[10], 0, 10, 0);
    pipe.finish(System.nanoTime() - 1);
    assertThat(pipe.read(new byte[4], 0, 4)).isEqualTo(-1);
    assertThat(pipe.droppedSamples()).isEqualTo(10);
  }

  @Test
  void closeEndsTheStreamAndRefusesWrites() {
    PcmPipe pipe = new PcmPipe(16);
    pipe.close();
    assertThat(pipe.read(new byte[4], 0, 4)).isEqualTo(-1);
    assertThatThrownBy(() -> pipe.write(new short[1], 0, 1, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
