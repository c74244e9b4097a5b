// The search benchmark's text: chat-like sentences in English, Chinese and both mixed, made
// deterministically (a seeded PRNG) from word lists, with word frequencies falling off as in real
// text (Zipf: the word of rank r about 1/r as often as the first). Chinese sentences are common
// two-character words run together without spaces, so a two-character query sits inside a
// sentence as users meet it. The queries come from the same lists, so they hit.

/** mulberry32: a small, fast, seeded PRNG (the same seed gives the same corpus every run). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Ordered roughly by how often chat uses them: the rank sets the frequency.
const ENGLISH = `the to and you it is for of that on this we in be have will can just so what
are with do not at my about if get me your all like now but know was time need think today
meeting good one when tomorrow see out up there let work new how check call back team please
thanks they going sure week make send update would from looks did our project release yes ok
also build next review issue because should then more here well still right fix some release
after want before deploy last test first data could report branch client server change design
morning update plan lunch doc version problem help ticket friday monday question customer budget
idea price issue email account schedule agenda slides office weekend coffee dinner flight hotel
database migration backup cluster latency dashboard alert rollback staging production feature
invoice contract vendor payroll holiday travel airport station weather rain summer winter garden
kitchen recipe bakery market grocery pharmacy hospital doctor dentist school teacher student
exam library museum concert ticketing stadium football tennis cycling hiking camping fishing
birthday wedding anniversary gift party music movie series episode podcast article newsletter
keyboard monitor laptop charger headphones printer scanner router firmware kernel compiler
browser plugin widget sidebar tooltip checkbox dropdown carousel modal spinner avatar thumbnail
benchmark profiler allocator scheduler tokenizer parser bigram index cache queue worker shard
replica failover quorum snapshot checksum payload webhook endpoint gateway throttle quota tenant
invoice receipt refund discount coupon shipping parcel courier warehouse inventory supplier
contractor architect plumber electrician carpenter painter gardener mechanic pilot sailor
violin piano guitar trumpet drummer choir orchestra festival parade lantern fireworks dumpling
noodle tofu mango lychee papaya coconut pineapple avocado almond walnut cinnamon ginger saffron
harbor lighthouse glacier volcano canyon meadow orchard vineyard prairie lagoon archipelago
penguin dolphin giraffe kangaroo koala panda falcon sparrow hummingbird octopus jellyfish`
  .split(/\s+/)
  .filter((word, i, all) => word && all.indexOf(word) === i);

// Common two-character words, ordered roughly by frequency.
const CHINESE = `我们 今天 明天 这个 一下 没有 什么 时候 可以 已经 现在 知道 大家 问题 工作 因为 所以
但是 还是 如果 需要 应该 一起 开会 会议 时间 项目 客户 老板 同事 公司 部门 下午 上午 晚上 周末
中午 吃饭 咖啡 文件 报告 邮件 电话 消息 群里 发布 版本 测试 上线 服务 数据 系统 用户 功能 设计
方案 计划 预算 合同 发票 价格 订单 质量 进度 问题 反馈 检查 确认 安排 讨论 同意 修改 更新 提交
审核 部署 回滚 监控 告警 日志 缓存 队列 索引 搜索 分词 数据库 服务器 网络 延迟 性能 内存 硬盘
备份 迁移 集群 节点 接口 文档 页面 按钮 图片 视频 音乐 电影 天气 下雨 晴天 春天 夏天 秋天 冬天
北京 上海 广州 深圳 杭州 成都 南京 武汉 西安 重庆 机场 火车 地铁 酒店 餐厅 超市 医院 学校 老师
学生 考试 图书馆 博物馆 公园 朋友 家人 孩子 父母 生日 礼物 婚礼 旅行 假期 护照 签证 行李 门票
足球 篮球 跑步 游泳 爬山 自行车 健身 瑜伽 火锅 饺子 面条 米饭 包子 豆腐 茶叶 水果 西瓜 苹果
香蕉 葡萄 草莓 熊猫 老虎 狮子 大象 猴子 兔子 小猫 小狗 鲸鱼 海豚 蝴蝶 蜜蜂 森林 沙漠 海边 湖泊
河流 高山 草原 岛屿 灯笼 烟花 春节 中秋 端午 元宵 月饼 粽子 书法 围棋 京剧 瓷器 丝绸 长城 故宫
钢琴 吉他 小提琴 合唱 乐队 画展 摄影 相机 手机 电脑 键盘 鼠标 耳机 充电 打印 扫描 路由 固件`
  .split(/\s+/)
  .filter((word, i, all) => word && all.indexOf(word) === i);

const ENGLISH_ENDINGS = ['', '', '', '?', '!', ' :)', '.'];
const CHINESE_PARTICLES = ['了', '吗', '吧', '呢', '的', '啊', '', '', ''];
const CHINESE_ENDINGS = ['。', '？', '！', '', '～'];

/**
 * Draws ranks 0..n-1 with P(r) ∝ 1/(r+4) (Zipf–Mandelbrot: the offset keeps the few commonest
 * words from filling whole sentences in so short a list), by inverting the cumulative weights.
 */
function zipf(n: number): (random: () => number) => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cumulative[r] = sum += 1 / (r + 4);
  return (random) => {
    const target = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const englishRank = zipf(ENGLISH.length);
const chineseRank = zipf(CHINESE.length);
const between = (random: () => number, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** `length` words of `list`, no word twice in a row. */
function wordsOf(random: () => number, list: readonly string[], rank: (random: () => number) => number, length: number): string[] {
  const out: string[] = [];
  while (out.length < length) {
    const word = list[rank(random)]!;
    if (word !== out[out.length - 1]) out.push(word);
  }
  return out;
}

function englishSentence(random: () => number): string {
  const words = wordsOf(random, ENGLISH, englishRank, between(random, 5, 14));
  // Chat capitalises now and then: search is case-insensitive, so some words come capitalised.
  if (random() < 0.5) words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
  return words.join(' ') + pick(random, ENGLISH_ENDINGS);
}

function chineseSentence(random: () => number, latinWords = 0): string {
  const words = wordsOf(random, CHINESE, chineseRank, between(random, 3, 9)).map((word) => word + (random() < 0.2 ? pick(random, CHINESE_PARTICLES) : ''));
  // Mixed text as people write it: a Latin word (a product, a term) inside the Chinese, spaced or not.
  for (let i = 0; i < latinWords; i++) {
    const at = between(random, 0, words.length);
    words.splice(at, 0, random() < 0.5 ? ` ${ENGLISH[englishRank(random)]} ` : ENGLISH[englishRank(random)]!);
  }
  return words.join('').trim() + pick(random, CHINESE_ENDINGS);
}

/** The text of message `n` of the corpus: 50% English, 40% Chinese, 10% Chinese with Latin words. */
export function messageText(seed: number, n: number): string {
  const random = prng(seed ^ Math.imul(n + 1, 0x9e3779b1));
  const roll = random();
  if (roll < 0.5) return englishSentence(random);
  if (roll < 0.9) return chineseSentence(random);
  return chineseSentence(random, between(random, 1, 2));
}

export type QueryKind = 'english, two words' | 'chinese, one two-character word' | 'chinese, two words' | 'mixed, chinese + english word';
export const QUERY_KINDS: readonly QueryKind[] = [
  'english, two words',
  'chinese, one two-character word',
  'chinese, two words',
  'mixed, chinese + english word',
];

export interface Query {
  kind: QueryKind;
  text: string;
  /** The words a LIKE scan must find, each as `%word%`. */
  terms: string[];
}

/**
 * `count` queries of each kind, words drawn uniformly from the list below its 20 most frequent
 * (nobody searches for "the"): from a few to a few thousand hits in a million messages.
 */
export function queries(seed: number, count: number): Query[] {
  const random = prng(seed);
  const english = () => ENGLISH[between(random, 20, ENGLISH.length - 1)]!;
  const chinese = () => CHINESE[between(random, 20, CHINESE.length - 1)]!;
  const twoOf = (draw: () => string): [string, string] => {
    const first = draw();
    let second = draw();
    while (second === first) second = draw();
    return [first, second];
  };
  const out: Query[] = [];
  for (let i = 0; i < count; i++) {
    const en = twoOf(english);
    const zh = twoOf(chinese);
    const mixed = [chinese(), english()];
    const one = chinese();
    out.push(
      { kind: 'english, two words', text: en.join(' '), terms: en },
      { kind: 'chinese, one two-character word', text: one, terms: [one] },
      { kind: 'chinese, two words', text: zh.join(' '), terms: zh },
      { kind: 'mixed, chinese + english word', text: mixed.join(' '), terms: mixed },
    );
  }
  return out;
}
