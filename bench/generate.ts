// Writes N realistic training files (front-matter with every field, a few paragraphs) into a folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const CHANNELS = ['web', 'email', 'sms', 'whatsapp', 'slack'];

export function generateTrainings(root: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const folder = path.join(root, 'trainings', `area-${i % 40}`, `topic-${i % 7}`);
    mkdirSync(folder, { recursive: true });
    const channels = i % 3 === 0 ? `channels: [${CHANNELS[i % 5]}, ${CHANNELS[(i + 2) % 5]}]\n` : '';
    const type = i % 10 === 0 ? 'type: BEHAVIORAL\n' : '';
    const draft = i % 17 === 0 ? 'draft: true\n' : '';
    const body = [
      `When a customer asks about case ${i}, first confirm the order number and the email on the account.`,
      `Then explain the policy for case ${i} in two or three sentences, and link to the help centre article.`,
      '',
      `1. Check the status of request ${i}.`,
      '2. If it is older than 30 days, offer store credit.',
      '3. Otherwise hand the conversation to a human agent.',
    ].join('\n');
    writeFileSync(path.join(folder, `question-${i}.md`), `---\ntitle: "How do I handle case ${i}?"\n${type}${draft}${channels}---\n${body}\n`);
  }
}
