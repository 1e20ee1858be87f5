// Copies what the compiled server reads at run time (knowledge data, the web chat page, the helpdesk's pages) next to it in dist/.
import { cpSync } from 'node:fs';

for (const dir of ['knowledge/data', 'channels/directline/public', 'helpdeskAuth/public', 'helpdeskDashboard/public', 'helpdeskConsole/public']) {
  cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true });
}
