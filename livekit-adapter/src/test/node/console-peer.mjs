// The other participant for RoomConsole's end-to-end test: a real @livekit/rtc-node client that
// speaks one segment of a WAV into the room, captions itself on lk.transcription the way a LiveKit
// agent does (a partial half-way, then the final, same lk.segment_id), then stays silent.
//
//   node console-peer.mjs --url ws://192.0.2.10:7880 --room r --identity candidate \
//        --wav candidate.wav --from 6655 --to 18060 --text "of course I have worked ..." \
//        [--wait-for console-ann] [--silence 8000] [--linger 60000]
//
// With --wait-for ID it starts speaking only once participant ID has subscribed to its track.
// Credentials: LIVEKIT_API_KEY / LIVEKIT_API_SECRET (tokens minted here, never printed).
// Progress: JSON lines on stdout {"event":..., "epochMs":...}: connected, published, subscribed,
// speaking, caption (partial/final), silent, done. Exit 0 on success, 2 on bad arguments.
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

const opts = { silence: 8000, linger: 60000, from: 0, to: Infinity };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => (i + 1 < argv.length ? argv[++i] : fail(`missing value after ${a}`));
  if (a === '--url') opts.url = next();
  else if (a === '--room') opts.room = next();
  else if (a === '--identity') opts.identity = next();
  else if (a === '--wav') opts.wav = next();
  else if (a === '--from') opts.from = Number(next());
  else if (a === '--to') opts.to = Number(next());
  else if (a === '--text') opts.text = next();
  else if (a === '--wait-for') opts.waitFor = next();
  else if (a === '--silence') opts.silence = Number(next());
  else if (a === '--linger') opts.linger = Number(next());
  else fail(`unknown argument ${a}`);
}
opts.url ??= process.env.LIVEKIT_URL;
for (const k of ['url', 'room', 'identity', 'wav', 'text']) if (!opts[k]) fail(`--${k} is required`);

const wav = readWav(opts.wav);
const room = new Room();
let consoleSubscribed;
const subscribed = new Promise((resolve) => (consoleSubscribed = resolve));
room.on(RoomEvent.LocalTrackSubscribed, (track) => {
  emit('subscribed', { trackSid: track.sid });
  consoleSubscribed();
});
room.on(RoomEvent.ParticipantConnected, (p) => emit('participant_connected', { identity: p.identity }));
await join(room, opts.url, opts.identity, opts.room, { canPublish: true, canSubscribe: true, canPublishData: true });
emit('connected', { identity: opts.identity, room: opts.room });
const { sampleRate, channels, samples } = wav;
const source = new AudioSource(sampleRate, channels);
const track = LocalAudioTrack.createAudioTrack(opts.identity + '-mic', source);
const publishOptions = new TrackPublishOptions();
publishOptions.source = TrackSource.SOURCE_MICROPHONE;
const pub = await room.localParticipant.publishTrack(track, publishOptions);
emit('published', { trackSid: pub.sid });
if (opts.waitFor) {
  const waited = await Promise.race([subscribed.then(() => true), sleep(60000).then(() => false)]);
  if (!waited) fail(`${opts.waitFor} did not subscribe within 60 s`);
}
await sleep(500);

const segment = 'SG_' + opts.identity + '_1';
async function caption(text, final) {
  await room.localParticipant.sendText(text, {
    topic: 'lk.transcription',
    compress: false,
    attributes: {
      'lk.segment_id': segment,
      'lk.transcribed_track_id': pub.sid,
      'lk.transcription_final': final ? 'true' : 'false',
    },
  });
  emit('caption', { final, text });
}

const frameLen = (sampleRate / 100) * channels;
const fromSample = Math.round((opts.from / 1000) * sampleRate) * channels;
const toSample = Math.min(samples.length, Math.round((Math.min(opts.to, 1e9) / 1000) * sampleRate) * channels);
const words = opts.text.split(/\s+/);
const half = fromSample + Math.floor((toSample - fromSample) / frameLen / 2) * frameLen;
emit('speaking', { fromMs: opts.from, toMs: opts.to });
let sentPartial = false;
for (let s = fromSample; s < toSample; s += frameLen) {
  const slice = new Int16Array(frameLen);
  slice.set(samples.subarray(s, Math.min(s + frameLen, toSample)));
  await source.captureFrame(new AudioFrame(slice, sampleRate, channels, sampleRate / 100));
  if (!sentPartial && s >= half) {
    sentPartial = true;
    caption(words.slice(0, Math.ceil(words.length / 2)).join(' '), false).catch((e) => emit('caption_error', { message: String(e) }));
  }
}
await source.waitForPlayout();
emit('silent', {});
await caption(opts.text, true);
for (let t = 0; t < opts.silence; t += 10) {
  await source.captureFrame(new AudioFrame(new Int16Array(frameLen), sampleRate, channels, sampleRate / 100));
}
emit('done', {});
const stdinClosed = new Promise((resolve) => {
  process.stdin.on('end', resolve);
  process.stdin.on('close', resolve);
  process.stdin.resume();
});
await Promise.race([stdinClosed, sleep(opts.linger)]);
await room.disconnect();
await source.close();
await dispose();
process.exit(0);
