// Copies what the compiled server reads at run time (knowledge data, the web chat page, the helpdesk console) next to it in dist/.
import { cpSync } from 'node:fs';

for (const dir of ['knowledge/data', 'channels/directline/public', 'helpdeskConsole/public']) {
  cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true });
}
