// Drives `gocnn gtp` through Sabaki's own GTP controller library (@sabaki/gtp), the way
// Sabaki does: attach, board sync through ControllerStateTracker (clear_board + play, then
// undo), genmove, lz-analyze streaming (stopped by the next command), lz-genmove_analyze.
//
//   GOCNN_GTP='["python", "-m", "gocnn", "gtp", "--random"]' node sabaki_gtp_test.mjs
//
// Prints one JSON object (what it saw) as the last line; exits non-zero on any failure.
import assert from 'node:assert/strict'
import gtp from '@sabaki/gtp'

const {Controller, ControllerStateTracker} = gtp
const [path, ...args] = JSON.parse(process.env.GOCNN_GTP || '["gocnn", "gtp", "--random"]')
const seen = {}

const controller = new Controller(path, args)
const tracker = new ControllerStateTracker(controller)
let stderr = ''
controller.on('stderr', ({content}) => (stderr += content + '\n'))
controller.start()

const send = async (name, ...a) => {
  const res = await tracker.queueCommand({name, args: a.map(String)})
  assert.equal(res.error, false, `${name} ${a.join(' ')} failed: ${res.content}`)
  return res.content
}

try {
  // attach: what Sabaki asks first
  assert.equal(await send('protocol_version'), '2')
  seen.name = await send('name')
  seen.version = await send('version')
  for (const cmd of ['undo', 'lz-analyze', 'lz-genmove_analyze', 'genmove', 'play'])
    assert.ok(await tracker.knowsCommand(cmd), `engine should know ${cmd}`)

  // board sync: Sabaki's state tracker replays the game onto the engine
  const moves = [['B', 'E5'], ['W', 'C3'], ['B', 'G7'], ['W', 'D7'], ['B', 'C6']]
  const play = (c, v) => ({name: 'play', args: [c, v]})
  await tracker.sync({komi: 6.5, boardsize: [9, 9], history: moves.map(m => play(...m))})
  assert.deepEqual(tracker.state.boardsize, [9, 9])
  assert.equal((await send('list_stones', 'black')).split(/\s+/).sort().join(' '), 'C6 E5 G7')
  assert.equal((await send('list_stones', 'white')).split(/\s+/).sort().join(' '), 'C3 D7')
  seen.showboard = await send('showboard')

  // genmove: the tracker records the engine's move in its history
  const reply = await send('genmove', 'W')
  assert.match(reply, /^([A-HJ-T]\d{1,2}|pass|resign)$/i)
  seen.genmove = reply
  assert.equal(tracker.state.history.length, moves.length + (reply.toLowerCase() === 'resign' ? 0 : 1))

  // sync back to a shorter game: the tracker undoes (the engine must support undo)
  await tracker.sync({history: moves.slice(0, 3).map(m => play(...m))})
  assert.equal((await send('list_stones', 'white')).trim(), 'C3')

  // lz-analyze: info lines stream until the next command; Sabaki parses them for its heat-map
  const infos = []
  const analysis = controller.sendCommand({name: 'lz-analyze', args: ['W', '5']}, ({line}) => {
    if (line.startsWith('info ')) infos.push(line)
  })
  await new Promise(resolve => setTimeout(resolve, 600))
  const stopped = await send('name') // any command ends the stream
  assert.equal(stopped, seen.name)
  const res = await analysis
  assert.equal(res.error, false)
  assert.ok(infos.length >= 1, 'lz-analyze sent no info line')
  const entries = infos[0].split(/\s*info\s+/).filter(Boolean).map(chunk => {
    // Leela Zero's fields as Lizzie and Sabaki read them; lcb is there when the engine searches
    const m = chunk.match(/^move (\S+) visits (\d+) winrate (\d+) prior (\d+) (?:lcb (\d+) )?order (\d+) pv (.+)$/)
    assert.ok(m, `unparsable info entry: ${chunk}`)
    return {move: m[1], visits: +m[2], winrate: +m[3], prior: +m[4], order: +m[6]}
  })
  assert.ok(entries.length >= 1)
  entries.forEach((e, i) => assert.equal(e.order, i))
  // best first: most visits first (the policy alone reports visits in proportion to its prior)
  for (let i = 1; i < entries.length; i++) assert.ok(entries[i].visits <= entries[i - 1].visits)
  assert.ok(!entries.some(e => ['E5', 'C3', 'G7'].includes(e.move)), 'an occupied point in the analysis')
  seen.analysis = {lines: infos.length, moves: entries.length, top: entries[0]}

  // lz-genmove_analyze: info lines, then "play VERTEX"; the tracker picks the move up
  let played = null
  const ga = await controller.sendCommand({name: 'lz-genmove_analyze', args: ['W', '5']}, ({line}) => {
    const m = line.trim().match(/^play\s+(\S+)$/)
    if (m) played = m[1]
  })
  assert.equal(ga.error, false)
  assert.ok(played, 'no play line from lz-genmove_analyze')
  seen.genmove_analyze = played

  // errors come back as errors, and the engine lives on
  const bad = await tracker.queueCommand({name: 'play', args: ['B', 'E5']})
  assert.equal(bad.error, true)
  assert.equal(bad.content, 'illegal move')
  const unknown = await tracker.queueCommand({name: 'no_such_command', args: []})
  assert.equal(unknown.error, true)
  assert.equal(await send('protocol_version'), '2')

  await controller.stop()
  console.log(JSON.stringify({ok: true, ...seen}))
} catch (err) {
  console.error(err)
  console.error('engine stderr:\n' + stderr)
  try {
    await controller.kill()
  } catch {}
  process.exit(1)
}
