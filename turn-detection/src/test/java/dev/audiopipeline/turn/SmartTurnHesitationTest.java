package dev.audiopipeline.turn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Smart Turn at the decision points that matter: 200 ms after the speech stops, at each
 * mid-sentence pause of the hesitation set ({@code scripts/make-hesitations.sh}: the same flite
 * speaker pausing 0.6-1.2 s at a comma), at each sentence end of that set, and at each turn end of
 * the bundled interview. It checks the Java probabilities against pipecat's at the same points
 * ({@code hesitations/reference.tsv}, made by {@code scripts/make-mel-fixture.py}), then prints the
 * figures: false end of turn at the pauses, end of turn at the sentence and turn ends, and the
 * threshold that separates them best.
 *
 * <p>What it shows:
 *
 * <ul>
 *   <li>On flite's synthetic voices Smart Turn v3.2 does not tell a comma pause from a sentence end
 *       (ranking AUC 0.40: ends score no higher than pauses; no threshold does better than chance).
 *       A detector cannot rely on it alone on this audio; pipecat's own figures are the same.
 *   <li>The int8 model is very sensitive to tiny changes in its input: perturbing pipecat's own
 *       features by ±1e-5 moves the probability by 0.09 (median) and up to 0.56 at these points,
 *       though the count of false ends of turn at 0.5 stays 11-12 of 18. The Java features differ
 *       from pipecat's by under 1e-5 ({@link WhisperFeaturesTest}), so most points agree to the
 *       last digit and a few differ by up to about 0.11; the test allows {@value #MAX_DIFF} at any
 *       point and {@value #MEDIAN_DIFF} at the median.
 * </ul>
 */
class SmartTurnHesitationTest {
  static final String REFERENCE = "/dev/audiopipeline/turn/hesitations/reference.tsv";
  static final Path INTERVIEW = Path.of("..", "examples", "src", "main", "resources", "interview");
  static final double THRESHOLD = 0.5;
  static final double MAX_DIFF = 0.25;
  static final double MEDIAN_DIFF = 1e-3;

  record Point(
      String set, String file, String kind, int fromMs, int atMs, double pipecat, String text) {}

  private static SmartTurn model;

  @BeforeAll
  static void load() {
    model = SmartTurn.load();
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void givesPipecatsProbabilityAtEveryPauseAndTurnEnd() throws Exception {
    List<Point> points = points();
    assertThat(points).filteredOn(p -> p.kind().equals("pause")).hasSize(18);
    assertThat(points).filteredOn(p -> p.kind().equals("end")).hasSize(24);
    Map<String, float[]> audio = new HashMap<>();
    List<Double> pauses = new ArrayList<>();
    List<Double> sentenceEnds = new ArrayList<>();
    List<Double> turnEnds = new ArrayList<>();
    StringBuilder table = new StringBuilder();
    List<Double> diffs = new ArrayList<>();
    for (Point p : points) {
      float[] x = audio.computeIfAbsent(p.set() + "/" + p.file(), k -> read(p));
      int from = p.fromMs() * 16;
      int to = p.atMs() * 16;
      double prob = model.endOfTurnProbability(x, from, to - from);
      table.append(
          String.format(
              "%-10s %-14s %-5s at %6d ms  java %.3f  pipecat %.3f  %s%n",
              p.set(), p.file(), p.kind(), p.atMs(), prob, p.pipecat(), tail(p.text())));
      diffs.add(Math.abs(prob - p.pipecat()));
      (p.kind().equals("pause") ? pauses : p.set().equals("interview") ? turnEnds : sentenceEnds)
          .add(prob);
    }
    List<Double> ends = new ArrayList<>(sentenceEnds);
    ends.addAll(turnEnds);
    System.out.print(table);
    diffs.sort(null);
    double median = diffs.get(diffs.size() / 2);
    double max = diffs.get(diffs.size() - 1);
    System.out.printf(
        "SmartTurnHesitationTest: |java - pipecat| median %.2g, max %.3g over %d points%n",
        median, max, diffs.size());
    assertThat(max).isLessThanOrEqualTo(MAX_DIFF);
    assertThat(median).isLessThanOrEqualTo(MEDIAN_DIFF);
    System.out.printf(
        "SmartTurnHesitationTest: at %.2f: false end of turn at %d of %d mid-sentence pauses"
            + " (%.0f%%); end of turn at %d of %d sentence ends, %d of %d interview turn ends%n",
        THRESHOLD,
        above(pauses, THRESHOLD),
        pauses.size(),
        100.0 * above(pauses, THRESHOLD) / pauses.size(),
        above(sentenceEnds, THRESHOLD),
        sentenceEnds.size(),
        above(turnEnds, THRESHOLD),
        turnEnds.size());
    double bestThreshold = 0;
    double bestAccuracy = 0;
    for (int t = 1; t < 100; t++) {
      double threshold = t / 100.0;
      double accuracy =
          (above(ends, threshold) / (double) ends.size()
                  + (pauses.size() - above(pauses, threshold)) / (double) pauses.size())
              / 2;
      if (accuracy > bestAccuracy) {
        bestAccuracy = accuracy;
        bestThreshold = threshold;
      }
    }
    System.out.printf(
        "SmartTurnHesitationTest: ranking AUC (ends above pauses) %.2f; best threshold %.2f with"
            + " balanced accuracy %.2f (0.5 = chance)%n",
        auc(ends, pauses), bestThreshold, bestAccuracy);
    assertThat(bestAccuracy).isBetween(0.5, 1.0);
    assertThat(pauses).allSatisfy(q -> assertThat(q).isBetween(0.0, 1.0));
  }

  private static int above(List<Double> values, double threshold) {
    return (int) values.stream().filter(v -> v >= threshold).count();
  }

  /** The chance that a random end scores above a random pause (ties count half). */
  private static double auc(List<Double> positives, List<Double> negatives) {
    double wins = 0;
    for (double p : positives) {
      for (double n : negatives) {
        wins += p > n ? 1 : p == n ? 0.5 : 0;
      }
    }
    return wins / (positives.size() * negatives.size());
  }

  private static String tail(String text) {
    return text.length() <= 45 ? text : "…" + text.substring(text.length() - 44);
  }

  static List<Point> points() throws IOException {
    try (InputStream in =
            Objects.requireNonNull(
                SmartTurnHesitationTest.class.getResourceAsStream(REFERENCE), REFERENCE);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      List<Point> points = new ArrayList<>();
      r.readLine(); // header
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String[] f = line.split("\t", -1);
        points.add(
            new Point(
                f[0],
                f[1],
                f[2],
                Integer.parseInt(f[3]),
                Integer.parseInt(f[4]),
                Double.parseDouble(f[5]),
                f[6]));
      }
      return points;
    }
  }

  /** The WAV as samples / 32768 (16 kHz mono 16-bit), as pipecat converts int16 PCM. */
  static float[] read(Point p) {
    try (InputStream raw =
            p.set().equals("interview")
                ? Files.newInputStream(INTERVIEW.resolve(p.file()))
                : Objects.requireNonNull(
                    SmartTurnHesitationTest.class.getResourceAsStream(
                        "/dev/audiopipeline/turn/hesitations/" + p.file()),
                    p.file());
        AudioInputStream wav = AudioSystem.getAudioInputStream(new BufferedInputStream(raw))) {
      AudioFormat f = wav.getFormat();
      assertThat(f.getSampleRate()).isEqualTo(16_000f);
      assertThat(f.getChannels()).isEqualTo(1);
      assertThat(f.getSampleSizeInBits()).isEqualTo(16);
      ByteBuffer b = ByteBuffer.wrap(wav.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
      float[] x = new float[b.remaining() / 2];
      for (int i = 0; i < x.length; i++) {
        x[i] = b.getShort() / 32768f;
      }
      return x;
    } catch (IOException | UnsupportedAudioFileException e) {
      throw new AssertionError("cannot read " + p.file(), e);
    }
  }
}
