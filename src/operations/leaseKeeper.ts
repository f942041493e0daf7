/**
 * A worker's hold on its lease while it works: renewals in the background, the day in
 * progress interrupted when the lease is lost, a day a shutdown lets finish, and the
 * release at the end.
 */
import { Cause, Clock, Duration, Effect, Exit, Fiber, Option, Ref } from "effect"
import { ServiceUnavailable } from "../domain/errors.js"
import type { Lease } from "../domain/runs.js"
import { LeaseLost } from "../domain/workerErrors.js"
import { markSuccess, type WorkerHealth } from "./workerHealth.js"
import { releaseLease, renewLease } from "./workerSteps.js"

/** How often a held lease is renewed: four times per lease, so one failed renewal is not fatal. */
const renewalInterval = (leaseDuration: Duration.DurationInput): Duration.Duration =>
  Duration.unsafeDivide(Duration.decode(leaseDuration), 4)

/**
 * A lease the worker holds while it works, renewed in the background.
 *
 * @since 0.1.0
 * @category models
 */
export interface HeldLease {
  /** The lease as last renewed. */
  readonly current: Effect.Effect<Lease>
  /**
   * Runs `day` in a fiber of its own unless the lease is lost first. Losing the lease
   * interrupts that fiber, and the result is then `LeaseLost`. An interruption of the
   * caller (a shutdown) does not reach the fiber: the caller waits for it up to `grace`,
   * and only past that interrupts it.
   */
  readonly runDay: <A, E, R>(
    day: Effect.Effect<A, E, R>,
    grace: Duration.DurationInput
  ) => Effect.Effect<A, E | LeaseLost, R>
  /**
   * Runs `step`, which may give the lease up with a day's outcome (`recordLastOutcome`).
   * While it runs, a renewal that finds the lease gone ends the renewals without counting
   * the lease lost: the step may have released it, and the step itself fails with
   * `LeaseLost` if another worker took it. Once the step says `released`, no renewal is
   * sent and nothing is left to release.
   */
  readonly releaseWith: <A extends { readonly released: boolean }, E, R>(
    step: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E, R>
}

/**
 * Renews `lease` every quarter of its duration until the scope closes, each attempt
 * given half that long, then releases it (unless it was `released` with an outcome). A
 * release that fails or hangs (an outage, say) is left to the lease's expiry: it is given
 * as long as a renewal. The lease counts as lost when another worker took it over, or
 * when a renewal failed and the next might not succeed before the lease expires (and
 * another worker may claim it): so one failed renewal is survived, and a lost lease is
 * given up a quarter of the lease before anyone else can claim the backfill. Each renewal
 * counts as a successful step in `health`, so a worker on a long day stays healthy.
 *
 * @since 0.1.0
 * @category worker
 */
export const holdLease = (
  lease: Lease,
  leaseDuration: Duration.DurationInput,
  health?: Ref.Ref<WorkerHealth> | undefined
) =>
  Effect.gen(function* () {
    const current = yield* Ref.make(lease)
    // Whether a step that may release the lease is in flight, and whether one did.
    let releasing = false
    let released = false
    // One day runs at a time: the fiber a lost lease interrupts, and the loss once known.
    let dayFiber: Fiber.RuntimeFiber<unknown, unknown> | undefined
    let lost: LeaseLost | undefined
    const interval = renewalInterval(leaseDuration)
    const attempt = Duration.unsafeDivide(interval, 2)
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() =>
        released ? Effect.void : Effect.exit(Effect.timeout(Effect.interruptible(releaseLease(lease)), interval))
      )
    )
    const lose = (cause: Cause.Cause<unknown>) =>
      Effect.zipRight(
        Effect.logWarning("Lease lost; the day in progress is abandoned", cause),
        Effect.suspend(() => {
          lost = new LeaseLost({ backfillId: lease.backfillId, workerId: lease.workerId })
          return dayFiber === undefined ? Effect.void : Fiber.interruptFork(dayFiber)
        })
      )
    const renewOnce = Effect.gen(function* () {
      if (released) return false
      const held = yield* Ref.get(current)
      const renewal = yield* Effect.exit(
        renewLease(held, leaseDuration).pipe(
          Effect.timeoutFail({
            duration: attempt,
            onTimeout: () => new ServiceUnavailable({ cause: new Error("The lease renewal timed out") })
          })
        )
      )
      if (released) return false
      if (renewal._tag === "Success")
        return yield* Effect.as(Effect.zipRight(Ref.set(current, renewal.value), markSuccess(health)), true)
      const takenOver = Cause.failureOption(renewal.cause).pipe(Option.exists((error) => error._tag === "LeaseLost"))
      // Crossed by a release in flight: the lease is not lost but done, or the step says so.
      if (takenOver && releasing) return false
      const now = yield* Clock.currentTimeMillis
      if (takenOver || now + Duration.toMillis(Duration.sum(interval, attempt)) >= held.expiresAtMillis) {
        return yield* Effect.as(lose(renewal.cause), false)
      }
      return yield* Effect.as(Effect.logWarning("Lease renewal failed; trying again", renewal.cause), true)
    })
    yield* Effect.forkScoped(
      Effect.iterate(true, { while: (keep) => keep, body: () => Effect.zipRight(Effect.sleep(interval), renewOnce) })
    )
    /** The day's exit as its caller sees it: `LeaseLost` when the lost lease interrupted it. */
    const settled = <A, E>(fiber: Fiber.RuntimeFiber<A, E>, exit: Exit.Exit<A, E>): Effect.Effect<A, E | LeaseLost> =>
      Exit.isFailure(exit) && lost !== undefined && Cause.isInterruptedOnly(exit.cause)
        ? Effect.fail(lost)
        : Effect.zipRight(fiber.inheritAll, exit)
    const runDay = <A, E, R>(
      work: Effect.Effect<A, E, R>,
      grace: Duration.DurationInput
    ): Effect.Effect<A, E | LeaseLost, R> =>
      Effect.suspend(() =>
        lost !== undefined
          ? Effect.fail(lost)
          : Effect.uninterruptibleMask((restore) =>
              Effect.flatMap(Effect.forkDaemon(Effect.interruptible(work)), (fiber) => {
                dayFiber = fiber
                // The fiber may yield between the fork and here, and the lease be lost meanwhile.
                return restore(lost === undefined ? Fiber.await(fiber) : Fiber.interrupt(fiber)).pipe(
                  Effect.onInterrupt(() =>
                    Effect.zipRight(
                      Effect.timeoutOption(Effect.interruptible(Fiber.await(fiber)), grace),
                      Fiber.interrupt(fiber)
                    )
                  ),
                  Effect.ensuring(Effect.sync(() => (dayFiber = undefined))),
                  Effect.flatMap((exit) => settled(fiber, exit))
                )
              })
            )
      )
    const releaseWith = <A extends { readonly released: boolean }, E, R>(step: Effect.Effect<A, E, R>) =>
      Effect.suspend(() => {
        releasing = true
        return step.pipe(
          Effect.tap((answer) =>
            Effect.sync(() => {
              released = answer.released
            })
          ),
          Effect.ensuring(
            Effect.sync(() => {
              releasing = false
            })
          )
        )
      })
    return { current: Ref.get(current), runDay, releaseWith } satisfies HeldLease
  })
