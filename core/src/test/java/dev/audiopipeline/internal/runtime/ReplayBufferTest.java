package dev.audiopipeline.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReplayBufferTest {
  private static short[] ramp(int from, int n) {
    short[] s = new short[n];
    for (int i = 0; i < n; i++) {
      s[i] = (short) (from + i);
    }
    return s;
  }

  @Test
  void keepsTheNewestSamplesAndCountsOnlyUndeliveredDrops() {
    ReplayBuffer b = new ReplayBuffer(10);
    assertThat(b.append(ramp(0, 6), 0, 6)).isZero();
    b.markDelivered(4);
    // 6 more: 2 oldest go; samples 0 and 1 were delivered, so nothing is lost
    assertThat(b.append(ramp(6, 6), 0, 6)).isZero();
    assertThat(b.start()).isEqualTo(2);
    assertThat(b.end()).isEqualTo(12);
    // 3 more: drops 2, 3 (delivered) and 4 (never delivered)
    assertThat(b.append(ramp(12, 3), 0, 3)).isEqualTo(1);
    short[] out = new short[10];
    b.copy(5, out, 0, 10);
    assertThat(out).containsExactly(ramp(5, 10));
  }

  @Test
  void wrapsAroundAndAcceptsChunksLargerThanItself() {
    ReplayBuffer b = new ReplayBuffer(8);
    b.append(ramp(0, 5), 0, 5);
    assertThat(b.append(ramp(5, 20), 0, 20)).isEqualTo(17);
    assertThat(b.start()).isEqualTo(17);
    short[] out = new short[8];
    b.copy(17, out, 0, 8);
    assertThat(out).containsExactly(ramp(17, 8));
    assertThatThrownBy(() -> b.copy(10, out, 0, 2)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void discardBeforeFreesFinalizedAudio() {
    ReplayBuffer b = new ReplayBuffer(8);
    b.append(ramp(0, 6), 0, 6);
    b.discardBefore(4);
    assertThat(b.start()).isEqualTo(4);
    b.discardBefore(100);
    assertThat(b.start()).isEqualTo(6);
  }

  @Test
  void keepsTheWireFormatSoThatSendingIsASlice() {
    ReplayBuffer b = new ReplayBuffer(4);
    b.append(new short[] {0x1234, -1, Short.MIN_VALUE}, 0, 3);
    assertThat(b.isContiguous(0, 3)).isTrue();
    int at = b.byteOffset(0);
    assertThat(java.util.Arrays.copyOfRange(b.bytes(), at, at + 6))
        .containsExactly(0x34, 0x12, 0xff, 0xff, 0x00, 0x80);
    // two more wrap around: [3, 5) lies at the end and the start of the array
    b.append(new short[] {0x0102, 0x0304}, 0, 2);
    assertThat(b.isContiguous(3, 2)).isFalse();
    assertThat(b.isContiguous(4, 1)).isTrue();
    byte[] wrapped = new byte[7];
    b.copyBytes(2, wrapped, 1, 3);
    assertThat(wrapped).containsExactly(0, 0x00, 0x80, 0x02, 0x01, 0x04, 0x03);
    short[] out = new short[3];
    b.copy(2, out, 0, 3);
    assertThat(out).containsExactly(Short.MIN_VALUE, (short) 0x0102, (short) 0x0304);
    assertThatThrownBy(() -> b.byteOffset(0)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
