// The JavaScript example of seed/rest-api-overview.txt, verbatim but for the base URL (the test server's,
// from KIZUNA_BASE_URL). The last line only hands the results to live.test.js.
import { KizunaClient } from '@kizuna/sdk';

const client = new KizunaClient({
  baseUrl: process.env.KIZUNA_BASE_URL,
  token: process.env.KIZUNA_TOKEN
});

// List repositories
const repos = await client.repos.list('my-org');

// Create issue
const issue = await client.issues.create('my-org', 'my-repo', {
  title: 'Bug report',
  body: 'Something is broken'
});

export { repos, issue };
