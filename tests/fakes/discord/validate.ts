import type { Json } from './payloads.js';

/**
 * Discord's message limits, checked the way Discord rejects a message (400, code 50035):
 * the fake refuses what real Discord would refuse, so a renderer bug fails the tests.
 */
export function messageProblems(body: Json, opts: { create: boolean }): string[] {
  const problems: string[] = [];
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const content = body.content;
  if (content !== undefined && content !== null && str(content).length > 2000) {
    problems.push(`content: ${str(content).length} > 2000 characters`);
  }
  const embeds = Array.isArray(body.embeds) ? (body.embeds as Json[]) : [];
  if (embeds.length > 10) problems.push(`embeds: ${embeds.length} > 10`);
  embeds.forEach((e, i) => {
    const title = str(e.title);
    const description = e.description;
    if (title.length > 256) problems.push(`embeds.${i}.title: ${title.length} > 256`);
    if (description !== undefined) {
      const d = str(description);
      if (d.length === 0) problems.push(`embeds.${i}.description: empty`);
      if (d.length > 4096) problems.push(`embeds.${i}.description: ${d.length} > 4096`);
    }
    const fields = Array.isArray(e.fields) ? (e.fields as Json[]) : [];
    if (fields.length > 25) problems.push(`embeds.${i}.fields: ${fields.length} > 25`);
    let total = title.length + str(description).length;
    fields.forEach((f, j) => {
      const name = str(f.name);
      const value = str(f.value);
      if (name.length === 0 || name.length > 256)
        problems.push(`embeds.${i}.fields.${j}.name: length ${name.length}`);
      if (value.length === 0 || value.length > 1024) {
        problems.push(`embeds.${i}.fields.${j}.value: length ${value.length}`);
      }
      total += name.length + value.length;
    });
    const footer = str((e.footer as Json | undefined)?.text);
    if (footer.length > 2048) problems.push(`embeds.${i}.footer.text: ${footer.length} > 2048`);
    total += footer.length;
    if (total > 6000) problems.push(`embeds.${i}: ${total} > 6000 characters in all`);
  });
  const rows = Array.isArray(body.components) ? (body.components as Json[]) : [];
  if (rows.length > 5) problems.push(`components: ${rows.length} rows > 5`);
  const ids = new Set<string>();
  rows.forEach((row, i) => {
    const items = Array.isArray(row.components) ? (row.components as Json[]) : [];
    if (row.type !== 1) problems.push(`components.${i}.type: ${String(row.type)} is not an action row`);
    if (items.length < 1 || items.length > 5)
      problems.push(`components.${i}: ${items.length} buttons (1-5 allowed)`);
    items.forEach((b, j) => {
      const where = `components.${i}.components.${j}`;
      if (b.type !== 2) problems.push(`${where}.type: ${String(b.type)} is not a button`);
      const label = str(b.label);
      if (label.length === 0 || label.length > 80) problems.push(`${where}.label: length ${label.length}`);
      if (typeof b.style !== 'number' || b.style < 1 || b.style > 5)
        problems.push(`${where}.style: ${String(b.style)}`);
      if (b.style !== 5) {
        const id = str(b.custom_id);
        if (id.length === 0 || id.length > 100)
          problems.push(`${where}.custom_id: length ${id.length} (1-100)`);
        if (ids.has(id)) problems.push(`${where}.custom_id: duplicate ${id}`);
        ids.add(id);
      }
    });
  });
  if (opts.create && !str(content) && embeds.length === 0 && rows.length === 0) {
    problems.push('Cannot send an empty message');
  }
  return problems;
}
