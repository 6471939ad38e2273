// The console's words in its three languages. The person picks one (remembered in this
// browser); until then it is their account's language. Missing words fall back to English.
export type Lang = "en" | "zh-Hant" | "zh-Hans";
export const languages: { id: Lang; name: string }[] = [
  { id: "zh-Hant", name: "繁體中文" },
  { id: "zh-Hans", name: "简体中文" },
  { id: "en", name: "English" },
];

const en = {
  signIn: "Sign in", signOut: "Sign out", login: "Login", password: "Password",
  totp: "Authenticator code (if you use one)", signingIn: "Signing in…",
  newPassword: "New password", currentPassword: "Current password",
  mustChange: "Your password was reset: choose a new one to go on.", changePassword: "Change password",
  estate: "Estate", language: "Language", timeZone: "Times in",
  desk: "Service desk", tickets: "Tickets", board: "Dispatch board", residents: "Residents",
  estatePages: "Estate", incidents: "Incidents", myWork: "My work",
  loading: "Loading…", none: "None", retry: "Try again", save: "Save", cancel: "Cancel",
  close: "Close", done: "Done", more: "More", search: "Search", apply: "Apply", yes: "Yes", no: "No",
  incomingCall: "Incoming call", noCalls: "No call now. Calls to the estate's hotline appear here as they ring.",
  unknownCaller: "Number not on file", otherResidents: "other residents share this number",
  openTickets: "Open tickets", lastMessages: "Last on the timeline", lastSurvey: "Last survey",
  logCall: "Log call and file", newCall: "Log a call by hand", callState: "Call",
  summary: "Summary of the call", disposition: "Outcome of the call",
  fileTicket: "File", fileNothing: "nothing", fileRepair: "a repair", fileComplaint: "a complaint",
  description: "What is wrong", category: "Category", priority: "Priority",
  suggested: "suggested", emergencyScript: "Emergency: read this to the caller",
  location: "Location", building: "Building", floor: "Floor", room: "Flat",
  commonArea: "Common area", inFlat: "In the flat", visitFrom: "Visit from", visitTo: "Visit until",
  entryPermission: "May enter while the resident is away", keyNote: "Where the key is",
  subject: "Subject", anonymous: "Hide the reporter from the team",
  logged: "Logged", filed: "Filed", callbacks: "Callbacks", followUps: "Follow-ups (回訪)",
  outcome: "Outcome", markDone: "Mark done", noCallbacks: "No one waiting for a call back.",
  noFollowUps: "No follow-up due.", reason: "Reason", asked: "asked", times: "times",
  status: "Status", team: "Team", assignee: "Assignee", channel: "Channel", breached: "Past a deadline",
  from: "From", to: "To", kind: "Kind", repairs: "Repairs", complaints: "Complaints", allKinds: "Repairs and complaints",
  any: "Any", created: "Created", noTickets: "No tickets match.", filters: "Filters", clear: "Clear",
  reporter: "Reporter", history: "History", comments: "Comments", addComment: "Add comment",
  internal: "Internal (team only)", toResident: "To the resident", photos: "Photos",
  sla: "Deadlines", acknowledgeBy: "Acknowledge by", arriveBy: "Arrive by", resolveBy: "Resolve by",
  respondBy: "Respond by", paused: "paused (on hold)", overdue: "{n} overdue", left: "{n} left",
  st_acknowledge: "acknowledge", st_respond: "respond", st_arrive: "arrive", st_resolve: "resolve",
  st_unclaimed: "unclaimed", st_unacknowledged: "unacknowledged",
  actions: "Actions", assign: "Assign", pool: "the team's pool", note: "Note",
  holdReason: "Why on hold", proposeVisit: "Propose a visit", attachIncident: "Attach to incident",
  explain: "Why this person?", rule: "Rule", score: "Score", skill: "Skill", load: "Load",
  capacity: "Capacity", excluded: "Not chosen because", onShift: "on shift", offShift: "off shift",
  unrouted: "Not routed", elsewhere: "Held outside the team", moveTo: "Move to…",
  live: "Live", reconnecting: "Reconnecting…", dragHint: "Drag a card onto a person, or use its menu.",
  profile: "Profile", phones: "Phones", unit: "Flat", role: "Role", tags: "Tags",
  preferredChannel: "Preferred channel", quietHours: "Quiet hours", optedOut: "Opted out of",
  identities: "Identities", verified: "verified", timeline: "Timeline", edit: "Edit",
  merge: "Merge a duplicate into this one", mergeConfirm: "Merge", mergedInto: "Merged",
  register: "Register", teams: "Teams", members: "Members", shifts: "Shifts", slaPolicies: "SLA policies",
  floors: "Floors", rooms: "Flats", commonAreas: "Common areas", supervisor: "Supervisor",
  categories: "Categories", seniority: "Seniority", onCall: "on call", minutes: "min",
  applyEstate: "Change the estate", applyHint: "Paste the estate YAML: the changes are shown before they are applied.",
  preview: "Show changes", noChanges: "No changes.", applied: "Applied.",
  forbidden: "You may not see this.", notFound: "Not found.", signedOutNote: "Your session ended: sign in again.",
  phoneSearch: "Phone number", findResident: "Find a resident", open: "open", resolved: "resolved",
  resolution: "Resolution", expectedAt: "Service expected back", ticketsOf: "Tickets",
  estateId: "Estate id", pickEstate: "Open an estate",
  s_NEW: "New", s_ASSIGNED: "Assigned", s_ACKNOWLEDGED: "Acknowledged", s_ON_SITE: "On site",
  s_ON_HOLD: "On hold", s_IN_REVIEW: "In review", s_RESOLVED: "Resolved", s_CLOSED: "Closed",
  s_REOPENED: "Reopened", s_CANCELLED: "Cancelled",
  a_ACKNOWLEDGE: "Acknowledge", a_ON_THE_WAY: "On the way", a_ARRIVE: "On site", a_HOLD: "Hold",
  a_RESUME: "Resume", a_RESOLVE: "Resolve", a_CLOSE: "Close", a_REOPEN: "Reopen", a_CANCEL: "Cancel ticket",
  a_SUBMIT_REVIEW: "Submit for review", a_APPROVE: "Approve", a_REJECT: "Send back",
  h_RESIDENT_ABSENT: "Resident absent", h_WAITING_PARTS: "Waiting for parts", h_NO_ACCESS: "No access",
  c_RINGING: "Ringing", c_ANSWERED: "Answered", c_ENDED: "Ended", c_MISSED: "Missed",
  emergency: "Emergency", escalated: "Escalated", skip: "Skip to content", poolTitle: "Pool",
  followUp: "Follow-up (回訪)", review: "Review",
  sub_NEIGHBOUR: "Neighbour", sub_STAFF: "Staff", sub_SERVICE: "Service", sub_NOISE: "Noise",
  sub_ENVIRONMENT: "Environment", sub_BILLING: "Billing", sub_OTHER: "Other",
  dashboard: "Dashboard", figures: "The figures", report: "Report", month: "Month", reportLanguage: "Language of the report",
  print: "Print or save as PDF", reportOf: "Monthly report", generated: "Made",
  thisMonthCol: "This month", lastMonthCol: "Last month", change: "Change",
  whatChanged: "What changed against last month", worstRated: "Worst-rated tickets and their follow-ups",
  dailyTickets: "Tickets per day", noChange: "Nothing moved.", backlog: "Open tickets by age",
  ageDay: "under a day", ageThreeDays: "1–3 days", ageWeek: "3–7 days", ageOlder: "over a week",
  lowScores: "Low scores and their follow-ups", followUpOpen: "follow-up not done yet", period: "Period", thisWeek: "This week", thisMonth: "This month",
  against: "against", was: "was", better: "better", worse: "worse", same: "the same",
  higher: "higher", lower: "lower", noComparison: "nothing to compare",
  trends: "Trends", kpi: "Figure", every: "Every", days: "day", weeks: "ISO week", months: "month",
  groupBy: "Grouped by", clickPoint: "Click a point to open its tickets.",
  scorecards: "Team scorecards", heatmap: "Buildings × categories", repeatFaults: "Repeat faults (90 days)",
  surveyComments: "survey answers", noAnswers: "No survey answered in this period.", noComment: "(no comment)",
  breaches: "Deadlines missed and why", breachedCount: "{n} tickets missed a deadline this month.",
  missedStage: "Deadline missed", heldFor: "On hold for", notHeld: "never on hold", lateBy: "Late by",
  causes: "Causes", ticket: "Ticket",
  d_building: "Building", d_team: "Team", d_member: "Member", d_category: "Category", d_channel: "Channel",
  k_csat: "Satisfaction (CSAT, 1–5)", k_responseRate: "Survey response rate", k_nps: "NPS",
  k_volume: "Tickets", k_volumePer1000Units: "Tickets per 1,000 flats",
  k_ackP50Minutes: "Acknowledge p50", k_ackP90Minutes: "Acknowledge p90",
  k_arriveP50Minutes: "Arrive p50", k_arriveP90Minutes: "Arrive p90",
  k_resolveP50Minutes: "Resolve p50", k_resolveP90Minutes: "Resolve p90",
  k_breachRate: "Deadlines missed", k_firstTimeFixRate: "Fixed first time", k_reopenRate: "Reopened",
};
export type Key = keyof typeof en;

const zhHant: Partial<Record<Key, string>> = {
  signIn: "登入", signOut: "登出", login: "帳戶", password: "密碼", totp: "驗證碼（如有）",
  signingIn: "登入中…", newPassword: "新密碼", currentPassword: "現有密碼",
  mustChange: "密碼已重設，請先設定新密碼。", changePassword: "更改密碼",
  estate: "屋苑", language: "語言", timeZone: "時間以此時區顯示",
  desk: "客戶服務台", tickets: "工單", board: "派工板", residents: "住戶", estatePages: "屋苑資料",
  incidents: "事故", myWork: "我的工作", loading: "載入中…", none: "沒有", retry: "再試",
  save: "儲存", cancel: "取消", close: "關閉", done: "完成", more: "更多", search: "搜尋",
  apply: "套用", yes: "是", no: "否",
  incomingCall: "來電", noCalls: "暫無來電。屋苑熱線的來電會即時在此彈出。",
  unknownCaller: "號碼未有記錄", otherResidents: "位住戶共用此號碼", openTickets: "未完成工單",
  lastMessages: "最近記錄", lastSurvey: "上次評分", logCall: "記錄來電並開單", newCall: "手動記錄來電",
  callState: "通話", summary: "通話摘要", disposition: "通話結果", fileTicket: "開立",
  fileNothing: "不開單", fileRepair: "維修單", fileComplaint: "投訴單", description: "問題描述",
  category: "類別", priority: "優先級", suggested: "建議", emergencyScript: "緊急情況：請向來電者讀出",
  location: "地點", building: "座數", floor: "樓層", room: "單位", commonArea: "公用地方",
  inFlat: "單位內", visitFrom: "上門時間由", visitTo: "至", entryPermission: "住戶不在時可進入",
  keyNote: "鎖匙位置", subject: "投訴對象", anonymous: "對團隊隱藏投訴人", logged: "已記錄",
  filed: "已開單", callbacks: "回電", followUps: "回訪", outcome: "結果", markDone: "完成",
  noCallbacks: "沒有待回電的住戶。", noFollowUps: "沒有待回訪。", reason: "原因", asked: "要求",
  times: "次", status: "狀態", team: "團隊", assignee: "負責人", channel: "渠道",
  breached: "已逾時", from: "由", to: "至", kind: "類型", repairs: "維修", complaints: "投訴", allKinds: "維修及投訴",
  any: "全部", created: "建立時間", noTickets: "沒有符合的工單。", filters: "篩選", clear: "清除",
  reporter: "報告人", history: "記錄", comments: "備註", addComment: "加入備註",
  internal: "內部（只限團隊）", toResident: "發給住戶", photos: "相片", sla: "時限",
  acknowledgeBy: "接單時限", arriveBy: "到場時限", resolveBy: "完成時限", respondBy: "回覆時限",
  paused: "暫停（擱置中）", overdue: "已逾時 {n}", left: "尚餘 {n}",
  st_acknowledge: "接單", st_respond: "回覆", st_arrive: "到場", st_resolve: "完成", st_unclaimed: "無人領取",
  st_unacknowledged: "未接單", actions: "操作", assign: "指派",
  pool: "團隊待領", note: "備註", holdReason: "擱置原因", proposeVisit: "建議上門時間",
  attachIncident: "歸入事故", explain: "為何派給此人？", rule: "規則", score: "分數", skill: "技能",
  load: "工作量", capacity: "上限", excluded: "未選原因", onShift: "當值", offShift: "非當值",
  unrouted: "未能分派", elsewhere: "由團隊以外人員處理", moveTo: "轉交…", live: "即時",
  reconnecting: "重新連線中…", dragHint: "把工單拖到同事身上，或用工單的選單。",
  profile: "資料", phones: "電話", unit: "單位", role: "身份", tags: "標籤",
  preferredChannel: "慣用渠道", quietHours: "免打擾時段", optedOut: "已退訂", identities: "渠道身份",
  verified: "已核實", timeline: "時間線", edit: "編輯", merge: "把重複記錄合併到此住戶",
  mergeConfirm: "合併", mergedInto: "已合併", register: "單位登記", teams: "團隊", members: "成員",
  shifts: "更表", slaPolicies: "服務時限", floors: "樓層", rooms: "單位", commonAreas: "公用地方",
  supervisor: "主管", categories: "類別", seniority: "年資", onCall: "候命", minutes: "分鐘",
  applyEstate: "更改屋苑設定", applyHint: "貼上屋苑 YAML：套用前會先列出改動。", preview: "列出改動",
  noChanges: "沒有改動。", applied: "已套用。", forbidden: "你沒有權限查看。", notFound: "找不到。",
  signedOutNote: "登入已逾時，請重新登入。", phoneSearch: "電話號碼", findResident: "搜尋住戶",
  open: "處理中", resolved: "已解決", resolution: "處理結果", expectedAt: "預計恢復",
  ticketsOf: "工單", estateId: "屋苑編號", pickEstate: "開啟屋苑",
  s_NEW: "新", s_ASSIGNED: "已指派", s_ACKNOWLEDGED: "已接單", s_ON_SITE: "已到場", s_ON_HOLD: "擱置",
  s_IN_REVIEW: "審核中", s_RESOLVED: "已解決", s_CLOSED: "已關閉", s_REOPENED: "重開",
  s_CANCELLED: "已取消", a_ACKNOWLEDGE: "接單", a_ON_THE_WAY: "出發", a_ARRIVE: "到場",
  a_HOLD: "擱置", a_RESUME: "恢復", a_RESOLVE: "完成", a_CLOSE: "關閉", a_REOPEN: "重開",
  a_CANCEL: "取消工單", a_SUBMIT_REVIEW: "提交審核", a_APPROVE: "批准", a_REJECT: "退回",
  h_RESIDENT_ABSENT: "住戶不在", h_WAITING_PARTS: "等待零件", h_NO_ACCESS: "無法進入",
  c_RINGING: "響鈴中", c_ANSWERED: "已接聽", c_ENDED: "已結束", c_MISSED: "未接",
  emergency: "緊急", escalated: "已上報", skip: "跳到內容", poolTitle: "待領", followUp: "回訪", review: "審核",
  sub_NEIGHBOUR: "鄰居", sub_STAFF: "員工", sub_SERVICE: "服務", sub_NOISE: "噪音",
  sub_ENVIRONMENT: "環境", sub_BILLING: "收費", sub_OTHER: "其他",
  dashboard: "管理報表", figures: "數據", report: "月報", month: "月份", reportLanguage: "報告語言",
  print: "列印或另存為 PDF", reportOf: "月報", generated: "製作時間", thisMonthCol: "本月",
  lastMonthCol: "上月", change: "變化", whatChanged: "與上月比較的變化", worstRated: "評分最低的工單及回訪",
  dailyTickets: "每日工單", noChange: "沒有變化。", backlog: "未完成工單（按時長）",
  ageDay: "一日內", ageThreeDays: "1–3 日", ageWeek: "3–7 日", ageOlder: "超過一週",
  lowScores: "低分評價及回訪", followUpOpen: "尚未回訪", period: "期間", thisWeek: "本週", thisMonth: "本月", against: "對比",
  was: "之前", better: "改善", worse: "轉差", same: "不變", higher: "上升", lower: "下降",
  noComparison: "無從比較", trends: "趨勢", kpi: "指標", every: "每", days: "日", weeks: "週",
  months: "月", groupBy: "分組", clickPoint: "點選資料點可開啟相關工單。", scorecards: "團隊成績表",
  heatmap: "座數 × 類別", repeatFaults: "重複故障（90 日內）", surveyComments: "問卷評價",
  noAnswers: "此期間沒有問卷回覆。", noComment: "（無意見）", breaches: "逾時工單及原因",
  breachedCount: "本月共 {n} 宗工單逾時。", missedStage: "逾時階段", heldFor: "擱置原因", notHeld: "未曾擱置",
  lateBy: "超出時間", causes: "原因", ticket: "工單", d_building: "座數", d_team: "團隊",
  d_member: "成員", d_category: "類別", d_channel: "渠道", k_csat: "滿意度（1–5）",
  k_responseRate: "問卷回覆率", k_nps: "淨推薦值", k_volume: "工單數", k_volumePer1000Units: "每千戶工單",
  k_ackP50Minutes: "接單時間 p50", k_ackP90Minutes: "接單時間 p90", k_arriveP50Minutes: "到場時間 p50",
  k_arriveP90Minutes: "到場時間 p90", k_resolveP50Minutes: "完成時間 p50", k_resolveP90Minutes: "完成時間 p90",
  k_breachRate: "逾時比率", k_firstTimeFixRate: "一次修妥率", k_reopenRate: "重開率",
};

// Simplified Chinese: the Traditional words converted for the characters the console uses.
const simplify: Record<string, string> = {
  "試": "试", "問": "问", "組": "组", "據": "据", "優": "优", "隱": "隐", "備": "备", "製": "制", "變": "变",
  "長": "长", "評": "评", "價": "价", "報": "报", "績": "绩", "點": "点", "趨": "趋", "勢": "势", "淨": "净",
  "薦": "荐", "無": "无", "較": "较", "轉": "转", "週": "周", "覆": "复", "為": "为", "戶": "户", "鄰": "邻",
  "環": "环", "費": "费", "帳": "帐", "碼": "码", "驗": "验", "證": "证", "設": "设", "現": "现", "選": "选",
  "語": "语", "區": "区", "顯": "显", "務": "务", "臺": "台", "單": "单", "團": "团", "隊": "队", "資": "资",
  "載": "载", "沒": "没", "儲": "储", "關": "关", "閉": "闭", "來": "来", "電": "电", "記": "记", "錄": "录",
  "時": "时", "彈": "弹", "齊": "齐", "號": "号", "開": "开", "題": "题", "類": "类", "別": "别", "級": "级",
  "議": "议", "緊": "紧", "況": "况", "請": "请", "讀": "读", "樓": "楼", "層": "层", "處": "处", "門": "门",
  "間": "间", "鎖": "锁", "對": "对", "訴": "诉", "結": "结", "訪": "访", "狀": "状", "態": "态", "負": "负",
  "責": "责", "維": "维", "篩": "筛", "註": "注", "內": "内", "發": "发", "給": "给", "場": "场", "餘": "余",
  "領": "领", "擱": "搁", "歸": "归", "規": "规", "則": "则", "數": "数", "當": "当", "連": "连", "線": "线",
  "標": "标", "籤": "签", "慣": "惯", "擾": "扰", "訂": "订", "實": "实", "編": "编", "輯": "辑", "複": "复",
  "併": "并", "貼": "贴", "動": "动", "權": "权", "尋": "寻", "預": "预", "計": "计", "復": "复", "啟": "启",
  "審": "审", "準": "准", "進": "进", "聽": "听", "響": "响", "鈴": "铃", "暫": "暂", "熱": "热", "會": "会",
  "讓": "让", "員": "员", "與": "与", "鐘": "钟", "氣": "气", "滿": "满", "並": "并", "風": "风", "險": "险",
  "應": "应", "過": "过", "誰": "谁", "燈": "灯", "專": "专", "業": "业", "顧": "顾", "體": "体", "簡": "简",
  "麼": "么", "後": "后", "個": "个", "們": "们", "從": "从", "話": "话", "決": "决", "戰": "战", "總": "总",
  "確": "确", "認": "认", "階": "阶", "見": "见",
};
function toSimplified(s: string): string {
  return Array.from(s).map((c) => simplify[c] ?? c).join("");
}
const zhHans: Partial<Record<Key, string>> = Object.fromEntries(
  Object.entries(zhHant).map(([k, v]) => [k, toSimplified(v as string)]),
);
zhHans.desk = "客户服务台";
zhHans.timeZone = "时间以此时区显示";

const dictionaries: Record<Lang, Partial<Record<Key, string>>> = {
  en, "zh-Hant": zhHant, "zh-Hans": zhHans,
};

const stored = "lobby.language";
let current: Lang = (globalThis.localStorage?.getItem(stored) as Lang | null) ?? "en";

export function lang(): Lang {
  return current;
}
/// The person's choice, remembered in this browser.
export function setLang(l: Lang, remember = true) {
  current = l;
  if (remember) localStorage.setItem(stored, l);
  document.documentElement.lang = l;
}
/// The account's language, unless the person picked one in this browser.
export function adoptAccountLanguage(l: string) {
  if (!localStorage.getItem(stored) && (l === "en" || l === "zh-Hant" || l === "zh-Hans"))
    setLang(l, false);
  document.documentElement.lang = current;
}

export function t(key: Key): string {
  return dictionaries[current][key] ?? en[key];
}
/// A word in a given language (the monthly report is in the estate's, not the reader's).
export function tIn(l: string, key: Key): string {
  return dictionaries[(l in dictionaries ? l : "en") as Lang][key] ?? en[key];
}
/// A category's name in the current language (the catalog's names), else its id.
export function nameIn(names: Record<string, string> | undefined, fallback: string): string {
  return names?.[current] ?? names?.["en"] ?? fallback;
}
