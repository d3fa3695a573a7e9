package dev.audiopipeline.examples;

import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.examples.cli.TranscriptFiles;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.livekit.LiveKitRoomSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link TranscribeInterview} listens to: a LiveKit room when {@code LIVEKIT_URL} is set, else
 * two recordings aligned on one timeline (yours, or a temporary copy of the bundled interview that
 * the caller deletes). {@link #open} checks everything and prepares {@code --out} before any work.
 */
record InterviewInput(
    AudioSource source, SpeakerMap speakers, String banner, @Nullable Path bundledCopy) {
  static InterviewInput open(InterviewOptions o, Map<String, String> env) throws IOException {
    String livekitUrl = env.get("LIVEKIT_URL");
    if (livekitUrl != null && !livekitUrl.isBlank()) {
      if (o.recruiterWav() != null) {
        throw new IllegalArgumentException(
            "LIVEKIT_URL is set: the room is the source, so"
                + " --recruiter-wav/--candidate-wav cannot be used (unset LIVEKIT_URL for files)");
      }
      LiveKitRoomSource room = LiveKitRoomSource.fromEnv(env).build();
      if (o.out() != null) {
        TranscriptFiles.prepareOutputDir(o.out());
      }
      SpeakerMap speakers =
          SpeakerMap.builder()
              .put(o.recruiterIdentity(), BundledInterview.RECRUITER)
              .put(o.candidateIdentity(), BundledInterview.CANDIDATE)
              .build();
      return new InterviewInput(
          room,
          speakers,
          String.format(
              "Joining LiveKit room %s as a bot; %s is the" + " recruiter, %s the candidate. %s",
              room,
              o.recruiterIdentity(),
              o.candidateIdentity(),
              o.duration() != null
                  ? "Leaving after " + o.duration().toSeconds() + " s or at Ctrl-C."
                  : "Transcribing until the room closes or Ctrl-C."),
          null);
    }
    Path bundled = o.recruiterWav() == null ? BundledInterview.extract() : null;
    try {
      // the options give both recordings or neither (checked when they are parsed)
      Path recruiter =
          bundled != null
              ? bundled.resolve("recruiter.wav")
              : Objects.requireNonNull(o.recruiterWav(), "--recruiter-wav");
      Path candidate =
          bundled != null
              ? bundled.resolve("candidate.wav")
              : Objects.requireNonNull(o.candidateWav(), "--candidate-wav");
      WavFileSource files =
          WavFileSource.builder() // fails at once naming a bad file
              .speaker(BundledInterview.RECRUITER, recruiter)
              .speaker(BundledInterview.CANDIDATE, candidate)
              .realTime(!o.fast())
              .build();
      if (o.out() != null) {
        TranscriptFiles.prepareOutputDir(o.out());
      }
      return new InterviewInput(
          files,
          SpeakerMap.identity(),
          String.format(
              "Transcribing %s (%s) with" + " %s, %s.",
              bundled != null ? "the bundled interview" : "your recordings",
              BundledInterview.RECRUITER + " + " + BundledInterview.CANDIDATE,
              o.stt() == null || o.stt().equals("sphinx")
                  ? "the embedded offline recogniser"
                  : o.stt(),
              o.fast() ? "as fast as it goes" : "paced in real time"),
          bundled);
    } catch (RuntimeException e) {
      BundledInterview.deleteQuietly(bundled);
      throw e;
    }
  }
}
