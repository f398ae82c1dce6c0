import Foundation
import Shared
import Testing

/// Chinese names in the order a register keeps them.
@Suite struct ChineseOrderTests {
    @Test func namesGoByPinyinNotByCodePoint() {
        let names = ["张三", "白玉", "欧阳修", "李四", "安然", "赵六", "陈七", "王五"]
        #expect(ChineseOrder.sorted(names) == ["安然", "白玉", "陈七", "李四", "欧阳修", "王五", "张三", "赵六"])
        // Code point order, for contrast: 张 (U+5F20) before 白 (U+767D).
        #expect(names.sorted().firstIndex(of: "张三")! < names.sorted().firstIndex(of: "白玉")!)
    }

    @Test func theOrderIsTotal() {
        #expect(!ChineseOrder.precedes("张三", "张三"))
        #expect(ChineseOrder.precedes("张三", "张三丰") && !ChineseOrder.precedes("张三丰", "张三"))
    }

    @Test func aSetRanksCodesInItsOwnOrderAndUnknownOnesLast() {
        #expect(DisputeCategory.rank(of: "marriage-family") == 0 && DisputeCategory.rank(of: "neighbor") == 1)
        #expect(DisputeCategory.rank(of: "") == .max && MediationMethod.rank(of: "chat") == 0)
    }
}
