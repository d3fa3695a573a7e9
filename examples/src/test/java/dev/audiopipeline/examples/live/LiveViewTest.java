package dev.audiopipeline.examples.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The model and the screen it makes: partials replaced by finals, meters, status, sizes. */
class LiveViewTest {
  @Test
  void aPartialIsReplacedByItsFinalAndAFinalIsNeverReplaced() {
    LiveModel m = new LiveModel();
    m.update("s1", "recruiter", "good", false, 500, 700);
    m.update("s2", "candidate", "of", false, 6600, 6700);
    m.update("s1", "recruiter", "good morning", true, 500, 1500);
    m.update("s1", "recruiter", "a late partial", false, 500, 1600);
    List<LiveModel.Line> lines = m.lines(10);
    assertThat(lines).extracting(LiveModel.Line::text).containsExactly("good morning", "of");
    assertThat(lines.get(0).isFinal()).isTrue();
    assertThat(m.speakers())
        .extracting(LiveModel.Speaker::label, LiveModel.Speaker::talkMs)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("recruiter", 1000L),
            org.assertj.core.groups.Tuple.tuple("candidate", 0L));
  }

  @Test
  void linesAreBounded() {
    LiveModel m = new LiveModel();
    for (int i = 0; i < LiveModel.MAX_LINES + 10; i++) {
      m.update("k" + i, "a", "t" + i, true, i, i + 1);
    }
    List<LiveModel.Line> all = m.lines(Integer.MAX_VALUE);
    assertThat(all).hasSize(LiveModel.MAX_LINES);
    assertThat(all.get(0).text()).isEqualTo("t10");
  }

  @Test
  void theScreenShowsMetersConversationStatusAndFitsAnySize() {
    LiveModel m = new LiveModel();
    short[] loud = new short[480];
    for (int i = 0; i < loud.length; i++) {
      loud[i] = (short) (i % 2 == 0 ? 16000 : -16000);
    }
    m.meter("candidate").accept(loud, 0, loud.length);
    m.meter("recruiter");
    m.update(
        "c1", "candidate", "of course I have worked as a software engineer", false, 6655, 9000);
    m.update("r1", "recruiter", "good morning", true, 500, 1500);
    m.status(s -> new LiveModel.Status("connected", 2, 1, true, 0.8, null, false));
    for (int[] size : new int[][] {{120, 30}, {40, 10}, {20, 6}, {200, 60}}) {
      List<String> rows = ScreenLayout.render(m, "title", "q quit", size[0], size[1]);
      assertThat(rows).hasSize(size[1]);
      for (String r : rows) {
        assertThat(ScreenLayout.visible(r).length()).isLessThanOrEqualTo(size[0]);
      }
    }
    List<String> rows = ScreenLayout.render(m, "RoomConsole", "q quit", 100, 20);
    String screen = String.join("\n", rows.stream().map(ScreenLayout::visible).toList());
    assertThat(screen)
        .contains("candidate [")
        .contains("-6.2 dB rms")
        .contains("00:06 candidate: of course I have worked")
        .contains("00:00 recruiter: good morning")
        .contains("connected · reconnects 2 · recogniser reconnects 1 · volume 80% · MUTED");
    assertThat(rows.stream().filter(r -> r.contains("of course")).findFirst().orElseThrow())
        .as("a partial is dim")
        .contains(ScreenLayout.DIM + "of course");
  }

  @Test
  void theBarFillsWithTheLevelAndMarksThePeakHold() {
    String bar = ScreenLayout.visible(ScreenLayout.bar(-30, -10, 60));
    assertThat(bar).hasSize(60);
    assertThat(bar.chars().filter(c -> c == '█').count()).isEqualTo(30);
    assertThat(bar.indexOf('|')).isEqualTo(49);
    assertThat(ScreenLayout.visible(ScreenLayout.bar(-60, -60, 10))).isEqualTo("··········");
  }

  @Test
  void heldOutputComesOutWhenReleased() {
    java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
    java.io.PrintStream target =
        new java.io.PrintStream(sink, true, java.nio.charset.StandardCharsets.UTF_8);
    java.io.PrintStream held = HeldOutput.hold(target);
    held.println("summary");
    assertThat(sink.toString(java.nio.charset.StandardCharsets.UTF_8)).isEmpty();
    HeldOutput.release(held);
    held.println("after");
    assertThat(sink.toString(java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("summary\nafter\n");
  }

  @Test
  void serveAddressDefaultsToLoopbackAndRefusesBadPorts() {
    assertThat(ServeAddress.parse("8080", "--serve"))
        .isEqualTo(new ServeAddress("127.0.0.1", 8080));
    assertThat(ServeAddress.parse("0.0.0.0:0", "--serve"))
        .isEqualTo(new ServeAddress("0.0.0.0", 0));
    assertThat(ServeAddress.parse("[::1]:9", "--serve")).isEqualTo(new ServeAddress("::1", 9));
    for (String bad : List.of("x", "70000", "-1", ":80", "host:")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServeAddress.parse(bad, "--serve"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--serve");
    }
  }
}
