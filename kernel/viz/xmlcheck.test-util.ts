/** Test helper: a tiny XML well-formedness check (tag balance, quoted attributes, escaped text). */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

export function parseXml(src: string): XmlNode {
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const re = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  const checkText = (t: string, at: number) => {
    if (/</.test(t)) throw new Error(`stray '<' near offset ${at}: ${JSON.stringify(t.slice(0, 40))}`);
    const bad = t.match(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/);
    if (bad) throw new Error(`unescaped '&' near offset ${at}`);
    stack[stack.length - 1]!.text += t;
  };
  while ((m = re.exec(src))) {
    checkText(src.slice(last, m.index), last);
    last = re.lastIndex;
    if (!m[2]) continue; // comment / PI
    const [, close, name, attrStr, selfClose] = m;
    if (close) {
      const top = stack.pop();
      if (!top || top.name !== name) throw new Error(`</${name}> closes <${top?.name}> at ${m.index}`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrStr!.matchAll(/([\w:.-]+)="([^"]*)"/g)) {
      if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]} on <${name}>`);
      attrs[a[1]!] = a[2]!;
    }
    const node: XmlNode = { name, attrs, children: [], text: '' };
    stack[stack.length - 1]!.children.push(node);
    if (!selfClose) stack.push(node);
  }
  checkText(src.slice(last), last);
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root.children.length !== 1) throw new Error(`expected one root element, got ${root.children.length}`);
  return root.children[0]!;
}

export function all(n: XmlNode, pred: (x: XmlNode) => boolean, out: XmlNode[] = []): XmlNode[] {
  if (pred(n)) out.push(n);
  for (const c of n.children) all(c, pred, out);
  return out;
}
export const byClass = (n: XmlNode, name: string, cls: string) =>
  all(n, (x) => x.name === name && (x.attrs.class ?? '').split(' ').includes(cls));
export function allText(n: XmlNode): string {
  return n.text + n.children.map(allText).join(' ');
}
