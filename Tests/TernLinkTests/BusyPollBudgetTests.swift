import TernLink
import Testing

@Suite struct BusyPollBudgetTests {
    @Test func startsInFullAndStaysWhileSpinsCatchFrames() {
        var budget = BusyPollBudget(maximum: 50_000)
        #expect(budget.shouldSpin)
        #expect(budget.current == 50_000)
        budget.spinEnded(caughtFrame: true)
        #expect(budget.current == 50_000)
    }

    @Test func halvesAfterEachEmptySpinThenStops() {
        var budget = BusyPollBudget(maximum: 64_000)
        budget.spinEnded(caughtFrame: false)
        #expect(budget.current == 32_000)
        budget.spinEnded(caughtFrame: false)
        #expect(budget.current == 16_000)
        budget.spinEnded(caughtFrame: false)
        #expect(budget.current == 8_000)
        budget.spinEnded(caughtFrame: false)
        #expect(budget.current == 0)
        #expect(!budget.shouldSpin)
    }

    @Test func aCaughtFrameRestoresTheWholeBudget() {
        var budget = BusyPollBudget(maximum: 64_000)
        budget.spinEnded(caughtFrame: false)
        budget.spinEnded(caughtFrame: false)
        budget.spinEnded(caughtFrame: true)
        #expect(budget.current == 64_000)
    }

    @Test func aQuickWakeUpTurnsSpinningBackOnASlowOneDoesNot() {
        var budget = BusyPollBudget(maximum: 50_000)
        for _ in 0..<4 { budget.spinEnded(caughtFrame: false) }
        #expect(!budget.shouldSpin)
        budget.wokeForFrame(afterIdle: 2_000_000)
        #expect(!budget.shouldSpin)
        budget.wokeForFrame(afterIdle: 50_000)
        #expect(budget.current == 50_000)
    }

    @Test func aZeroMaximumNeverSpins() {
        var budget = BusyPollBudget(maximum: 0)
        #expect(!budget.shouldSpin)
        budget.wokeForFrame(afterIdle: 0)
        #expect(!budget.shouldSpin)
        budget.spinEnded(caughtFrame: true)
        #expect(!budget.shouldSpin)
    }
}
