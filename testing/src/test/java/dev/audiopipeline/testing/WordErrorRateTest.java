package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WordErrorRateTest {
  @Test
  void countsSubstitutionsDeletionsAndInsertionsAfterNormalising() {
    assertThat(WordErrorRate.of("Hello, World!", "hello world")).isZero();
    assertThat(WordErrorRate.edits("a b c d", "a x c")).isEqualTo(2); // 1 sub + 1 del
    assertThat(WordErrorRate.edits("a b", "a b c d")).isEqualTo(2); // 2 ins
    assertThat(WordErrorRate.of("one two three four", "one two three")).isEqualTo(0.25);
    assertThat(WordErrorRate.words("It's  fine.")).containsExactly("it's", "fine");
  }

  @Test
  void emptyReferenceIsRefused() {
    assertThatThrownBy(() -> WordErrorRate.of(" .. ", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reference has no words");
  }
}
