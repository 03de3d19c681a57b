/**
 * The sentiment lexicon: words and phrases with weights from -3 (furious) to +3 (delighted), Chinese and
 * English, plus the words that change them. Entries with weight 0 are there on purpose: they hide a
 * sentiment word inside a longer neutral one (快递 is not 快 "fast", 你好 is not 好 "good", 不过 is "but",
 * not 不 + 过). Keys are normalised (lower-case, half-width).
 */
export const SENTIMENT: Readonly<Record<string, number>> = {
  // Chinese: positive
  好: 2, 棒: 2.5, 赞: 2.5, 满意: 2, 喜欢: 2, 爱: 2.5, 不错: 2, 优秀: 2.5, 完美: 3, 快: 1.5, 迅速: 1.5,
  及时: 1.5, 专业: 1.5, 耐心: 1.5, 热情: 1.5, 周到: 1.5, 细心: 1.5, 贴心: 2, 开心: 2, 高兴: 2, 快乐: 2,
  愉快: 2, 感谢: 2, 谢谢: 1.5, 多谢: 1.5, 辛苦: 1, 好评: 2.5, 推荐: 1, 给力: 2.5, 靠谱: 1.5, 舒服: 1.5,
  好喝: 2.5, 好吃: 2.5, 好用: 2, 好看: 2, 香: 1.5, 方便: 1.5, 放心: 1.5, 值得: 1.5, 划算: 1.5, 实惠: 1.5,
  便宜: 1, 漂亮: 2, 厉害: 2, 优质: 2, 新鲜: 1.5, 正品: 1.5, 满分: 3, 惊喜: 2.5, 没问题: 1, 没有问题: 1,
  解决了: 1.5, 还好: 0.5, 没关系: 0.5,
  // Chinese: negative
  差: -2, 差劲: -2.5, 垃圾: -3, 生气: -2.5, 气死: -3, 愤怒: -3, 火大: -2.5, 投诉: -2, 骗子: -3, 骗: -2.5,
  欺骗: -3, 诈骗: -3, 失望: -2.5, 慢: -1.5, 烂: -2.5, 破: -1, 坏: -1.5, 损坏: -2, 破损: -2, 糟糕: -2.5,
  糟: -2, 恶心: -3, 讨厌: -2.5, 烦: -2, 无语: -2, 坑: -2, 坑人: -2.5, 难用: -2, 难吃: -2, 难喝: -2,
  难过: -2, 伤心: -2, 郁闷: -2, 着急: -1.5, 急: -1, 急死: -2.5, 假货: -3, 欺诈: -3, 差评: -2.5, 不满: -2,
  抱怨: -1.5, 可恶: -2.5, 混蛋: -3, 废物: -3, 后悔: -2, 错: -1.5, 错误: -1.5, 不对: -1.5, 丢: -1.5,
  延迟: -1.5, 贵: -1.5, 质量问题: -1, 不靠谱: -2, 忽悠: -2.5, 敷衍: -2.5, 态度差: -2.5, 拖: -1.5, 离谱: -2,
  // Chinese: neutral words that contain a sentiment character
  你好: 0, 您好: 0, 早上好: 0, 晚上好: 0, 下午好: 0, 好的: 0, 好吧: 0, 好像: 0, 好多: 0, 好几: 0, 最好: 0,
  只好: 0, 好久: 0, 好友: 0, 不好意思: 0, 不客气: 0, 快递: 0, 快点: 0, 尽快: 0, 赶快: 0, 加快: 0, 快要: 0,
  退款: 0, 退货: 0, 问题: 0, 麻烦: 0, 差不多: 0, 差价: 0, 出差: 0, 相差: 0, 不用: 0, 爱心: 0,
  // English: positive
  good: 1.9, great: 3, excellent: 3.2, amazing: 3, awesome: 3, fantastic: 3, perfect: 3, love: 3, loved: 3,
  nice: 1.8, happy: 2.7, glad: 2, pleased: 2, satisfied: 2, thanks: 1.9, thank: 1.5, thx: 1.5, appreciate: 2,
  appreciated: 2, helpful: 2, fast: 1.5, quick: 1.5, friendly: 2, kind: 1.5, wonderful: 3, best: 3, better: 1.9,
  fine: 0.8, cool: 1.3, lovely: 2.5, recommend: 1.5, resolved: 1.5, solved: 1.5, brilliant: 2.8, superb: 3,
  delicious: 2.5, fresh: 1.5, 'well done': 2.5, 'thank you': 2, 'no problem': 1, 'no worries': 1,
  // English: negative
  bad: -2.5, terrible: -3, awful: -3, horrible: -3, worst: -3.1, worse: -2.1, poor: -2, slow: -1.5, late: -1.5,
  delayed: -1.5, broken: -2, damaged: -2, wrong: -1.5, angry: -3, furious: -3.2, mad: -2.2, upset: -2.2,
  annoyed: -2, annoying: -2, frustrated: -2.2, frustrating: -2.2, disappointed: -2.3, disappointing: -2.3,
  unhappy: -2.2, hate: -2.7, scam: -3, fraud: -3, cheat: -2.5, cheated: -2.5, liar: -2.8, ridiculous: -2.3,
  useless: -2.5, rubbish: -2.5, garbage: -2.5, trash: -2.5, sucks: -2.5, complaint: -2, complain: -2,
  unacceptable: -2.5, lost: -1.5, missing: -1.5, rude: -2.5, waste: -2, ripoff: -2.5, 'rip off': -2.5,
  'ripped off': -2.5, expensive: -1.2, overpriced: -2, 'never again': -2.5, 'waste of time': -2.5,
  like: 2, likes: 2,
  // English: neutral look-alikes ("I'd like a refund" is not a compliment)
  "i'd like": 0, "we'd like": 0, 'would like': 0, 'looks like': 0, 'like this': 0, 'like that': 0, 'no thanks': 0,
  refund: 0, problem: 0, issue: 0,
  // Emoji
  '👍': 2, '😀': 2, '😃': 2, '😄': 2, '😊': 2, '🙂': 1, '😍': 2.5, '❤️': 2.5, '❤': 2.5, '🙏': 1.5, '👏': 2,
  '😡': -3, '😠': -2.5, '👎': -2.5, '😤': -2, '😞': -2, '😢': -2, '😭': -2.5, '💩': -2.5, '🤬': -3,
}

/** Words that flip the sentiment word after them (within NEGATION_WINDOW). Also any English word ending in n't. */
export const NEGATORS: ReadonlySet<string> = new Set([
  '不', '没', '没有', '别', '非', '无', '未', '不是', '不太', '不会', '不够', '不要', '并不', '从不', '从来不',
  '绝不', '毫无', '无法', '没那么', '不怎么',
  'not', 'no', 'never', 'none', 'nobody', 'nothing', 'neither', 'nor', 'without', 'hardly', 'barely', 'cannot',
  'dont', 'doesnt', 'didnt', 'isnt', 'wasnt', 'arent', 'werent', 'cant', 'couldnt', 'wont', 'wouldnt', 'havent', 'hasnt',
])

/** Words that scale the sentiment word after them (a factor below 1 softens it). */
export const INTENSIFIERS: Readonly<Record<string, number>> = {
  很: 1.5, 非常: 1.8, 太: 1.8, 特别: 1.7, 超: 1.7, 超级: 1.8, 十分: 1.7, 极: 1.8, 极其: 1.9, 相当: 1.5,
  真: 1.4, 真的: 1.4, 挺: 1.3, 蛮: 1.3, 最: 2, 巨: 1.7, 更: 1.3, 越来越: 1.5, 实在: 1.5, 这么: 1.3, 那么: 1.2,
  如此: 1.5, 有点: 0.6, 有些: 0.6, 有一点: 0.6, 稍微: 0.6, 略: 0.7,
  very: 1.5, really: 1.4, so: 1.4, extremely: 1.8, super: 1.6, too: 1.4, totally: 1.5, absolutely: 1.6,
  incredibly: 1.7, terribly: 1.6, completely: 1.5, quite: 1.2, pretty: 1.2, highly: 1.5, such: 1.3, slightly: 0.6,
  somewhat: 0.7, little: 0.7, bit: 0.7,
}

/** "but": what follows counts more than what came before (CONTRAST_BEFORE / CONTRAST_AFTER). */
export const CONTRASTS: ReadonlySet<string> = new Set(['但是', '但', '可是', '不过', '然而', '只是', 'but', 'however'])
