// A real third-party LiveKit client (@livekit/rtc-node) that publishes WAV speech into a room, one
// participant per WAV, all on one timeline, paced in real time by AudioSource.captureFrame.
//
//   node publisher.mjs --url ws://192.0.2.10:7880 --room interview \
//        --participant recruiter=/path/recruiter.wav \
//        --participant candidate=/path/candidate.wav,join=4000,leave=30000,republish=20000 \
//        [--wait-subscribed 10000] [--linger 60000]
//
// Credentials come from LIVEKIT_API_KEY / LIVEKIT_API_SECRET (tokens are minted here, HS256) and are
// never printed. Each WAV must be 16-bit PCM; WAVs of one interview are aligned on one timeline, so
// a participant that joins at offset J plays its file from J on, and one that leaves at L stops there;
// republish=R unpublishes the track at R and publishes a new one (a new track SID) from the same source;
// until=U stops playing at U but stays in the room. --mark M emits a 'mark' event at timeline offset M.
// --lead-in L sends L ms of silence on every initial track (after --wait-subscribed) before the
// timeline starts, as a meeting would have audio flowing before anyone speaks.
// With --wait-subscribed the timeline starts only once every initial track has a subscriber (the bot).
// --caption-listener ID joins one more participant (no tracks) before the others that registers a
// text-stream handler for the bot's captions (topic lk.transcription) and prints every stream it
// receives as a flat 'caption' event: the sender identity, stream id, lk.* attributes, the full
// text, the header's timestamp, its arrival order (n) and epochMs = when the whole stream was read.
// After playback the remaining participants stay until stdin closes or --linger ms pass.
//
// Progress goes to stdout as JSON lines: {"event":..., "epochMs":..., ...}. Exit code 0 on success.
import {
  AudioFrame,
  AudioSource,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackPublishOptions,
  TrackSource,
  dispose,
} from '@livekit/rtc-node';
import { emit, fail, join, readWav, sleep } from './common.mjs';

function parseArgs(argv) {
  const opts = { participants: [], waitSubscribed: 0, linger: 0, marks: [], leadIn: 0, captionListener: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) fail(`missing value after ${a}`);
      return argv[++i];
    };
    if (a === '--url') opts.url = next();
    else if (a === '--room') opts.room = next();
    else if (a === '--wait-subscribed') opts.waitSubscribed = Number(next());
    else if (a === '--linger') opts.linger = Number(next());
    else if (a === '--mark') opts.marks.push(Number(next()));
    else if (a === '--lead-in') opts.leadIn = Number(next());
    else if (a === '--no-dtx') opts.dtx = false;
    else if (a === '--caption-listener') opts.captionListener = next();
    else if (a === '--participant') {
      const [head, ...extras] = next().split(',');
      const eq = head.indexOf('=');
      if (eq <= 0) fail(`--participant wants identity=file.wav[,join=ms][,leave=ms], got ${head}`);
      const p = { identity: head.slice(0, eq), file: head.slice(eq + 1), join: 0, leave: Infinity, republish: Infinity, until: Infinity };
      for (const e of extras) {
        const [k, v] = e.split('=');
        if (!['join', 'leave', 'republish', 'until'].includes(k)) fail(`unknown participant option ${k}`);
        if (!Number.isFinite(Number(v)) || Number(v) < 0) fail(`${k} must be milliseconds >= 0, got ${v}`);
        p[k] = Number(v);
      }
      opts.participants.push(p);
    } else fail(`unknown argument ${a}`);
  }
  opts.url ??= process.env.LIVEKIT_URL;
  if (!opts.url) fail('--url (or LIVEKIT_URL) is required');
  if (!opts.room) fail('--room is required');
  if (opts.participants.length === 0) fail('at least one --participant is required');
  return opts;
}

// a participant's grants: it publishes audio (and data), it subscribes to nothing
const PUBLISHER = { canPublish: true, canPublishData: true };

class Publisher {
  constructor(opts, p) {
    this.opts = opts;
    this.p = p;
    this.wav = readWav(p.file);
    this.room = new Room();
    this.left = false;
  }

  async connect() {
    const { identity } = this.p;
    this.room.on(RoomEvent.ParticipantConnected, (rp) =>
      emit('participant_connected', { observer: identity, identity: rp.identity }),
    );
    this.room.on(RoomEvent.ParticipantDisconnected, (rp) =>
      emit('participant_disconnected', { observer: identity, identity: rp.identity }),
    );
    // connection faults (the server restarted, the signal dropped): rtc-node reconnects by itself
    this.room.on(RoomEvent.Reconnecting, () => emit('reconnecting', { identity }));
    this.room.on(RoomEvent.Reconnected, () => emit('reconnected', { identity }));
    this.room.on(RoomEvent.Disconnected, (reason) => emit('disconnected', { identity, reason }));
    this.subscribed = new Promise((resolve) => {
      this.room.on(RoomEvent.LocalTrackSubscribed, (track) => {
        emit('subscribed', { identity, trackSid: track.sid });
        resolve();
      });
    });
    await join(this.room, this.opts.url, identity, this.opts.room, PUBLISHER);
    emit('connected', { identity, room: this.opts.room });
    const { sampleRate, channels } = this.wav;
    this.source = new AudioSource(sampleRate, channels);
    await this.publish();
    emit('published', { identity, trackSid: this.trackSid, sampleRate, channels });
  }

  async publish() {
    this.track = LocalAudioTrack.createAudioTrack(this.p.identity + '-mic', this.source);
    const publishOptions = new TrackPublishOptions();
    publishOptions.source = TrackSource.SOURCE_MICROPHONE;
    if (this.opts.dtx === false) publishOptions.dtx = false;
    const pub = await this.room.localParticipant.publishTrack(this.track, publishOptions);
    this.trackSid = pub.sid;
  }

  async republish() {
    const oldSid = this.trackSid;
    await this.room.localParticipant.unpublishTrack(oldSid, false);
    await this.publish();
    emit('republished', { identity: this.p.identity, oldTrackSid: oldSid, trackSid: this.trackSid });
  }

  /** Sends {@code ms} of silence and waits until it has played out (warms up the receivers). */
  async silence(ms) {
    const { sampleRate, channels } = this.wav;
    const frameLen = (sampleRate / 100) * channels;
    for (let t = 0; t < ms; t += 10) {
      await this.source.captureFrame(new AudioFrame(new Int16Array(frameLen), sampleRate, channels, sampleRate / 100));
    }
    await this.source.waitForPlayout();
  }

  /** Plays the WAV from the current timeline position up to its end or the leave offset. */
  async play(t0) {
    const { identity, leave, republish } = this.p;
    const { sampleRate, channels, samples } = this.wav;
    const frameLen = (sampleRate / 100) * channels; // 10 ms
    const totalMs = (samples.length / channels / sampleRate) * 1000;
    const endMs = Math.min(totalMs, leave, this.p.until);
    let posMs = Math.max(0, Math.floor((Date.now() - t0) / 10) * 10);
    emit('playing', { identity, trackSid: this.trackSid, fromMs: posMs, toMs: endMs, t0EpochMs: t0 });
    let frames = 0;
    let republished = false;
    for (; posMs < endMs; posMs += 10) {
      if (!republished && posMs >= republish) {
        republished = true;
        await this.republish();
        posMs = Math.max(posMs, Math.floor((Date.now() - t0) / 10) * 10); // stay on the timeline
        if (posMs >= endMs) break;
      }
      const start = Math.round((posMs / 1000) * sampleRate) * channels;
      const slice = new Int16Array(frameLen);
      slice.set(samples.subarray(start, Math.min(start + frameLen, samples.length)));
      await this.source.captureFrame(new AudioFrame(slice, sampleRate, channels, sampleRate / 100));
      frames++;
    }
    await this.source.waitForPlayout();
    emit('finished', { identity, trackSid: this.trackSid, frames, untilMs: posMs });
  }

  async leaveRoom() {
    if (this.left) return;
    this.left = true;
    await this.room.disconnect();
    await this.source?.close();
    emit('left', { identity: this.p.identity });
  }
}

/** A participant that only listens to lk.transcription text streams and prints each as an event. */
async function listenToCaptions(opts) {
  const identity = opts.captionListener;
  const room = new Room();
  let n = 0;
  room.registerTextStreamHandler('lk.transcription', (reader, { identity: sender }) => {
    const seq = ++n;
    const headerEpochMs = Date.now();
    const info = reader.info;
    const attrs = info.attributes ?? {};
    reader
      .readAll()
      .then((text) =>
        emit('caption', {
          n: seq,
          identity: sender,
          streamId: info.streamId,
          topic: info.topic,
          mimeType: info.mimeType,
          segmentId: attrs['lk.segment_id'] ?? '',
          trackId: attrs['lk.transcribed_track_id'] ?? '',
          final: attrs['lk.transcription_final'] ?? '',
          text,
          timestamp: Number(info.timestamp),
          headerEpochMs,
        }),
      )
      .catch((e) => emit('caption_error', { n: seq, identity: sender, message: String(e?.message ?? e) }));
  });
  await join(room, opts.url, identity, opts.room, { ...PUBLISHER, canSubscribe: true });
  emit('caption_listener_connected', { identity });
  return room;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const captionRoom = opts.captionListener ? await listenToCaptions(opts) : null;
  const pubs = opts.participants.map((p) => new Publisher(opts, p));
  const initial = pubs.filter((p) => p.p.join === 0);
  const late = pubs.filter((p) => p.p.join > 0);
  if (initial.length === 0) fail('at least one participant must join at 0');

  for (const p of initial) await p.connect();
  if (opts.waitSubscribed > 0) {
    const timeout = sleep(opts.waitSubscribed).then(() => 'timeout');
    const r = await Promise.race([Promise.all(initial.map((p) => p.subscribed)), timeout]);
    if (r === 'timeout') fail(`no subscriber for every initial track within ${opts.waitSubscribed} ms`);
  }
  if (opts.leadIn > 0) await Promise.all(initial.map((p) => p.silence(opts.leadIn)));
  const t0 = Date.now();
  emit('start', { t0EpochMs: t0 });
  for (const m of opts.marks) setTimeout(() => emit('mark', { atMs: m }), m);

  const runs = pubs.map(async (p) => {
    if (p.p.join > 0) {
      await sleep(t0 + p.p.join - Date.now());
      await p.connect();
    }
    await p.play(t0);
    if (Number.isFinite(p.p.leave)) await p.leaveRoom();
  });
  await Promise.all(runs);
  emit('playback_done', { late: late.map((p) => p.p.identity).join(',') });

  // Stay in the room (so the test can watch the bot leave) until stdin closes or --linger passes.
  const stay = pubs.filter((p) => !p.left);
  if (stay.length > 0 && opts.linger > 0) {
    await Promise.race([
      sleep(opts.linger),
      new Promise((resolve) => {
        process.stdin.on('end', resolve);
        process.stdin.on('close', resolve);
        process.stdin.resume();
      }),
    ]);
  }
  for (const p of stay) await p.leaveRoom();
  if (captionRoom) await captionRoom.disconnect();
  emit('done');
  await dispose();
  process.exit(0);
}

main().catch((e) => fail(e?.stack ?? String(e)));
