"""The discrete-time model of an MM2 campaign, at one-second resolution.

Partitions are assigned round-robin to tasks, tasks to workers. Every second each partition
receives its share of the offered load (Poisson), and a running, unstalled task replicates up to
its capacity; the rest waits in the partition's backlog (Lindley recursion). Latency is the base
latency, plus the time a record waited in the backlog, plus jitter.

Events change the topology: a stopped worker's tasks are unassigned for the rebalance delay and
then resume on the survivors after a rebalance; a task killed abruptly re-sends what it had
replicated since its last offset flush (duplicates, at-least-once); a broker stop or a network cut
stalls replication; a burst multiplies the offered load; an authentication failure leaves a task
FAILED until it is restarted; record errors are counted and retried.

Everything the emitted metrics show and everything the ground truth states comes from the arrays
of :class:`Timeline`, never from the metrics themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .scenario import Scenario, SimEvent, _seconds

LEAD = 300  # seconds of idle before the first phase and after the last one
FAIL_KINDS = ("worker_stop", "worker_restart")


@dataclass
class PhaseSpan:
    name: str
    start: int  # seconds from the model origin
    end: int
    load_end: int  # production stops here so the phase ends drained
    events: list[tuple[SimEvent, int, int | None]]  # (event, start, end)
    steps: list[tuple[int, int, float]] = field(default_factory=list)  # (start, end, rate)
    baseline: tuple[int, int] | None = None


@dataclass
class Rebalance:
    start: int
    end: int
    workers: tuple[int, ...]


@dataclass
class Timeline:
    """Per-second state of the campaign (index 0 = model origin)."""

    origin: int  # epoch seconds of index 0
    T: int
    P: int
    K: int
    W: int
    part_task: np.ndarray  # (P,) task of each partition
    cap: np.ndarray  # (P,) records/s per partition
    phases: list[PhaseSpan]
    offered: np.ndarray  # (T,) total offered rate
    produced: np.ndarray  # (T, P) records produced
    replicated: np.ndarray  # (T, P) unique records written to the target
    dup_sent: np.ndarray  # (T, P) duplicates written to the target
    lost: np.ndarray  # (T, P) records skipped, never written
    backlog: np.ndarray  # (T, P) produced, not yet consumed (end of second)
    lat_mean: np.ndarray  # (T, P) ms, NaN when nothing replicated
    lat_max: np.ndarray  # (T, P) ms
    alive: np.ndarray  # (T, W) worker alive
    joined: np.ndarray  # (T, W) worker part of the deployment (added)
    assign: np.ndarray  # (T, K) worker running task k, -1 when unassigned
    failed: np.ndarray  # (T, K) task FAILED
    running: np.ndarray  # (T, K)
    incarnation: np.ndarray  # (T, K) id of the task object (counters restart with it)
    rebalancing: np.ndarray  # (T, W)
    rebalances: list[Rebalance]
    stall: np.ndarray  # (T,) broker stop / network cut
    errors: np.ndarray  # (T, K) record errors per second
    worker_start: np.ndarray  # (T, W) second the worker's JVM started (counters since then)
    kills: list[tuple[int, int]]  # (second, task) abrupt stops
    events: list[tuple[str, SimEvent, int, int | None]]  # (phase, event, start, end)


def _layout(sc: Scenario) -> tuple[list[PhaseSpan], int]:
    spans, cursor = [], LEAD
    for ph in sc.phases:
        start, end = cursor, cursor + _seconds(ph.duration)
        events = []
        for ev in ph.events:
            s = start + _seconds(ev.at)
            e = s + _seconds(ev.duration) if ev.duration is not None else None
            if ev.kind == "worker_restart" and e is None:
                e = s + _seconds(sc.mm2.restart_time)
            events.append((ev, s, e))
        drain = min(120, (end - start) // 10)
        span = PhaseSpan(ph.name, start, end, end - drain, events)
        t = start
        for st in ph.steps:
            span.steps.append((t, t + _seconds(st.duration), st.rate))
            t += _seconds(st.duration)
        if ph.baseline is not None:
            b0 = start + _seconds(ph.baseline.at)
            span.baseline = (b0, b0 + _seconds(ph.baseline.duration))
        spans.append(span)
        cursor = end + _seconds(sc.gap)
    return spans, spans[-1].end + LEAD


def _offered(sc: Scenario, spans: list[PhaseSpan], T: int, rng) -> np.ndarray:
    rate = np.full(T, float(sc.idle_rate))
    for ph, span in zip(sc.phases, spans):
        rate[span.start:span.load_end] = ph.rate
        for (s, e, r) in span.steps:
            rate[s:min(e, span.load_end)] = r
        if ph.baseline is not None and span.baseline:
            rate[span.baseline[0]:min(span.baseline[1], span.load_end)] = ph.baseline.rate
        for ev, s, e in span.events:
            if ev.kind == "burst" and e is not None:
                rate[s:e] *= ev.factor
    if sc.noise:
        rate = rate * np.clip(1 + sc.noise * rng.standard_normal(T), 0.5, 1.5)
    return rate


class _Topology:
    """Builds worker/task arrays by applying events in time order, each from its instant on."""

    def __init__(self, sc: Scenario, T: int):
        self.sc = sc
        self.T = T
        adds = sum(1 for ph in sc.phases for ev in ph.events if ev.kind == "worker_add")
        self.W = sc.mm2.workers + adds
        K = sc.mm2.tasks
        self.alive = np.zeros((T, self.W), bool)
        self.alive[:, : sc.mm2.workers] = True
        self.joined = self.alive.copy()
        self.assign = np.tile(np.arange(K) % sc.mm2.workers, (T, 1))
        self.failed = np.zeros((T, K), bool)
        self.rebalancing = np.zeros((T, self.W), bool)
        self.rebalances: list[Rebalance] = []
        self.worker_start = np.zeros((T, self.W), int)
        self.next_worker = sc.mm2.workers
        self.kills: list[tuple[int, int]] = []
        self.restarts: list[tuple[int, int]] = []  # (second, task) new incarnation without move
        self.dur = _seconds(sc.mm2.rebalance_duration)
        self.delay = _seconds(sc.mm2.rebalance_delay)
        self.join = _seconds(sc.mm2.join_time)

    def worker_index(self, target: str | None, at: int) -> int:
        """Workers are named ``mm2-mirrormaker2-<n>``; an unknown target means the first alive."""
        match = re.search(r"(\d+)$", target or "")
        if match and int(match.group(1)) < self.W and self.alive[at, int(match.group(1))]:
            return int(match.group(1))
        return int(np.flatnonzero(self.alive[at])[0])

    def _rebalance(self, start: int) -> int:
        end = min(start + self.dur, self.T)
        workers = tuple(np.flatnonzero(self.alive[start]))
        self.rebalancing[start:end, list(workers)] = True
        self.rebalances.append(Rebalance(start, end, workers))
        return end

    def _balanced(self, at: int) -> np.ndarray:
        """Reassign to alive workers, moving as few tasks as possible."""
        current = self.assign[at - 1].copy() if at > 0 else self.assign[0].copy()
        alive = list(np.flatnonzero(self.alive[at]))
        new = np.where(np.isin(current, alive), current, -1)
        target = {w: len(new) // len(alive) + (1 if i < len(new) % len(alive) else 0)
                  for i, w in enumerate(alive)}
        for w in alive:
            mine = np.flatnonzero(new == w)
            for k in mine[target[w]:]:
                new[k] = -1
        for k in np.flatnonzero(new == -1):
            w = min(alive, key=lambda x: (np.sum(new == x) - target[x], x))
            new[k] = w
        return new

    def _move(self, at: int, until: int, new: np.ndarray) -> None:
        old = self.assign[at - 1] if at > 0 else self.assign[0]
        moved = np.flatnonzero(old != new)
        self.assign[at:until, moved] = -1
        self.assign[until:, :] = new

    def worker_down(self, w: int, s: int, back: int | None, *, restart: bool) -> None:
        self.alive[s:, w] = False
        lost_tasks = np.flatnonzero(self.assign[s] == w)
        for k in lost_tasks:
            if self.assign[s - 1, k] == w and not self.failed[s - 1, k]:
                self.kills.append((s, int(k)))
        self.assign[s:, lost_tasks] = -1
        if restart and back is not None:
            # Back within the scheduled rebalance delay: its tasks return to it.
            self.alive[back:, w] = True
            self.worker_start[back:, w] = back
            end = self._rebalance(back)
            self.assign[end:, lost_tasks] = w
            return
        reassign_at = min(s + self.delay, self.T - 1)
        if back is not None and back <= reassign_at:
            reassign_at = back
        if back is not None:
            self.alive[back:, w] = True
            self.worker_start[back:, w] = back
        end = self._rebalance(reassign_at)
        new = self._balanced(reassign_at)
        self.assign[reassign_at:end, lost_tasks] = -1
        self.assign[end:, :] = new
        if back is not None and back > reassign_at:
            end2 = self._rebalance(back)
            self._move(back, end2, self._balanced(back))

    def worker_add(self, s: int) -> int:
        """The worker's JVM starts at ``s`` (scraped from then on, running nothing); it joins
        the group ``join_time`` later, which starts the rebalance that moves tasks to it."""
        w = self.next_worker
        self.next_worker += 1
        self.alive[s:, w] = True
        self.joined[s:, w] = True
        self.worker_start[s:, w] = s
        joins = min(s + self.join, self.T - 1)
        end = self._rebalance(joins)
        self._move(joins, end, self._balanced(joins))
        return w

    def auth_failure(self, k: int, s: int, e: int) -> None:
        self.failed[s:e, k] = True
        self.kills.append((s, k))
        self.restarts.append((e, k))


def _incarnations(running: np.ndarray, assign: np.ndarray, restarts: list[tuple[int, int]]) -> np.ndarray:
    """A new task object starts whenever a task starts running or changes worker."""
    T, K = running.shape
    starts = np.zeros((T, K), bool)
    starts[0] = running[0]
    starts[1:] = running[1:] & (~running[:-1] | (assign[1:] != assign[:-1]))
    for t, k in restarts:
        if t < T:
            starts[t, k] = True
    inc = np.cumsum(starts, axis=0)
    return np.where(running, inc, 0)


def build(sc: Scenario) -> Timeline:
    rng = np.random.default_rng(sc.seed)
    spans, T = _layout(sc)
    names = list(sc.topics.names)
    P = len(names) * sc.topics.partitions
    K = sc.mm2.tasks
    part_task = np.arange(P) % K
    per_task = np.bincount(part_task, minlength=K)
    cap = np.floor(sc.mm2.task_capacity / np.maximum(per_task[part_task], 1))

    topo = _Topology(sc, T)
    stall = np.zeros(T, bool)
    errors = np.zeros((T, K))
    events = []
    for span in spans:
        for ev, s, e in sorted(span.events, key=lambda x: x[1]):
            events.append((span.name, ev, s, e))
            if ev.kind == "worker_stop":
                topo.worker_down(topo.worker_index(ev.target, s), s, e, restart=False)
            elif ev.kind == "worker_restart":
                topo.worker_down(topo.worker_index(ev.target, s), s, e, restart=True)
            elif ev.kind == "worker_add":
                topo.worker_add(s)
            elif ev.kind in ("broker_stop", "network_cut"):
                stall[s:e if e else s + 60] = True
            elif ev.kind == "error_scenario":
                end = e if e is not None else s + 300
                if ev.scenario == "auth_failure":
                    topo.auth_failure(ev.task % K, s, end)
                else:
                    errors[s:end, ev.task % K] = ev.error_rate
    alive_of = np.take_along_axis(topo.alive, np.maximum(topo.assign, 0), axis=1)
    running = (topo.assign >= 0) & alive_of & ~topo.failed
    incarnation = _incarnations(running, topo.assign, topo.restarts)

    offered = _offered(sc, spans, T, rng)
    produced = rng.poisson(np.outer(offered / P, np.ones(P)))
    replicated, dup_sent, lost, backlog = _replicate(
        sc, spans, produced, running[:, part_task], stall, cap, part_task, topo.kills,
        incarnation, _seconds(sc.mm2.offset_flush_interval), names)
    lat_mean, lat_max = _latency(sc, produced, replicated, lost, rng)
    return Timeline(
        origin=int(sc.start.timestamp()) - LEAD, T=T, P=P, K=K, W=topo.W, part_task=part_task,
        cap=cap, phases=spans, offered=offered, produced=produced, replicated=replicated,
        dup_sent=dup_sent, lost=lost, backlog=backlog, lat_mean=lat_mean, lat_max=lat_max,
        alive=topo.alive, joined=topo.joined, assign=topo.assign, failed=topo.failed,
        running=running, incarnation=incarnation, rebalancing=topo.rebalancing,
        rebalances=topo.rebalances, stall=stall, errors=errors, worker_start=topo.worker_start,
        kills=topo.kills, events=events,
    )


def _replicate(sc, spans, produced, running_p, stall, cap, part_task, kills, incarnation,
               flush, names):
    T, P = produced.shape
    replicated = np.zeros((T, P), np.int64)
    dup_sent = np.zeros((T, P), np.int64)
    lost = np.zeros((T, P), np.int64)
    backlog = np.zeros((T, P), np.int64)
    rep_cum = np.zeros((T, P), np.int64)
    loss_at = {}
    span_of = {s.name: s for s in spans}
    for loss in sc.faults.loss:
        t = span_of[loss.phase].start + _seconds(loss.at)
        p = names.index(loss.topic) * sc.topics.partitions + loss.partition
        loss_at.setdefault(t, []).append((p, loss.records))
    kill_at: dict[int, list[int]] = {}
    for t, k in kills:
        kill_at.setdefault(t, []).append(k)
    b = np.zeros(P, np.int64)
    dup_pending = np.zeros(P, np.int64)
    loss_pending = np.zeros(P, np.int64)
    cum = np.zeros(P, np.int64)
    can_full = cap.astype(np.int64)
    for t in range(T):
        if t in loss_at:
            for p, n in loss_at[t]:
                loss_pending[p] += n
        if t in kill_at:
            for k in kill_at[t]:
                _schedule_duplicates(t, k, part_task, incarnation, flush, rep_cum, dup_pending)
        avail = b + produced[t]
        can = np.where(running_p[t] & ~stall[t], can_full, 0)
        d = np.minimum(dup_pending, can)
        dup_pending -= d
        can = can - d
        active = can > 0
        lo = np.where(active, np.minimum(loss_pending, avail), 0)
        loss_pending -= lo
        avail = avail - lo
        r = np.minimum(avail, can)
        b = avail - r
        cum = cum + r
        replicated[t], dup_sent[t], lost[t], backlog[t], rep_cum[t] = r, d, lo, b, cum
    return replicated, dup_sent, lost, backlog


def _schedule_duplicates(t, k, part_task, incarnation, flush, rep_cum, dup_pending):
    """An abruptly stopped task re-sends what it replicated since its last offset flush."""
    if t == 0 or incarnation[t - 1, k] == 0:
        return
    inc = incarnation[t - 1, k]
    born = t - 1
    while born > 0 and incarnation[born - 1, k] == inc:
        born -= 1
    last_flush = born + ((t - 1 - born) // flush) * flush  # the last flush before the stop
    parts = np.flatnonzero(part_task == k)
    before = rep_cum[last_flush - 1, parts] if last_flush > 0 else 0
    dup_pending[parts] += rep_cum[t - 1, parts] - before


def _latency(sc: Scenario, produced, replicated, lost, rng):
    """Per partition-second mean and max latency of the records written that second."""
    T, P = produced.shape
    produced_cum = np.cumsum(produced, axis=0)
    consumed_cum = np.cumsum(replicated + lost, axis=0)
    before = np.vstack([np.zeros((1, P), np.int64), consumed_cum[:-1]])
    seconds = np.arange(T)
    lat_mean = np.full((T, P), np.nan)
    lat_max = np.full((T, P), np.nan)
    jitter = np.abs(rng.standard_normal((T, P))) * sc.mm2.jitter_ms
    for p in range(P):
        has = replicated[:, p] > 0
        if not has.any():
            continue
        oldest = np.searchsorted(produced_cum[:, p], before[has, p] + 1)
        newest = np.searchsorted(produced_cum[:, p], consumed_cum[has, p])
        t = seconds[has]
        wait_old = (t - oldest) * 1000.0
        wait_mid = (t - (oldest + newest) / 2.0) * 1000.0
        lat_mean[has, p] = sc.mm2.base_latency_ms + wait_mid + jitter[has, p]
        lat_max[has, p] = sc.mm2.base_latency_ms + wait_old + jitter[has, p] + sc.mm2.jitter_ms
    return lat_mean, lat_max
