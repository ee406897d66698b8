// Runs every method of the npm package `@hapic/harbor` (a hand-written TypeScript client of
// Harbor's API), unchanged, against a fresh harbor-sim with the demo data, and reports per
// call: ok, empty, refused (as real Harbor refuses) or error. `cargo test` runs it when the
// package is installed (tests/third_party_clients.rs; CI installs it); see README.md.
//
//   node hapic_every_method.mjs --url http://127.0.0.1:18113 [--json results.json]
//
// The package resolves from NODE_PATH (compat/run_others.sh installs it). Its query strings
// escape `q` twice (`q=name%3D%257Enginx`), which Harbor's q builder unescapes a second time.
// Calls run in order: reads, creates, updates, deletes of what the run created.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The package is ESM only: load its `import` entry from NODE_PATH.
const root = join(process.env.NODE_PATH || 'node_modules', '@hapic/harbor');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const entry = manifest.exports?.['.']?.import?.default ?? manifest.exports?.['.']?.import ?? manifest.module;
const harbor = await import(pathToFileURL(join(root, entry)).href);
const { HarborClient, buildRobotPermissionForAllResources } = harbor;

const args = process.argv.slice(2);
const url = args[args.indexOf('--url') + 1] || 'http://127.0.0.1:18113';
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;

const client = new HarborClient({
    connectionOptions: { host: `${url}/api/v2.0/`, user: 'admin', password: 'Harbor12345' },
});

// Calls real Harbor refuses with the arguments this client sends: name -> [status, source, why].
const HARBOR_REFUSES = {
    'projectWebhookPolicy.create (defaults)': [400, 'src/server/v2.0/handler/webhook.go',
        "validateTargets: the client's default `targets: []` is `empty notification target with policy ...`"],
};

// Whether an answer is filled in: a reason when it is hollow.
function emptiness(value) {
    if (value === undefined || value === null) return 'no value';
    if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : value.map(emptiness).find(Boolean);
    if (typeof value === 'object') {
        if ('data' in value && 'meta' in value) return emptiness(value.data);
        return Object.keys(value).length === 0 ? 'an empty object' : undefined;
    }
    return undefined;
}

const state = {};
const calls = [
    // reads of the demo data
    ['project.getMany', () => client.project.getMany({ query: { public: true, with_detail: true, sort: ['name'] } })],
    ['project.getMany (q)', () => client.project.getMany({ query: { q: { name: '~lib' } } })],
    ['project.getAll', () => client.project.getAll()],
    ['project.getOne (id)', async () => {
        const id = (await client.project.getOne('library', true)).project_id;
        return client.project.getOne(id);
    }],
    ['project.getOne (name)', () => client.project.getOne('library', true)],
    ['projectRepository.getMany', () => client.projectRepository.getMany({ projectName: 'library' })],
    ['projectRepository.getAll', () => client.projectRepository.getAll({ projectName: 'library' })],
    ['projectRepository.getOne', () => client.projectRepository.getOne('library/nginx')],
    ['projectRepository.findOne', () => client.projectRepository.findOne('library/nginx')],
    ['projectRepositoryArtifact.getMany', () => client.projectRepositoryArtifact.getMany({
        projectName: 'library', repositoryName: 'nginx', query: { with_tag: true, with_label: true },
    })],
    ['projectWebhookPolicy.getMany', () => client.projectWebhookPolicy.getMany({ projectIdOrName: 'demo', isProjectName: true })],
    ['projectWebhookPolicy.findOne', () => client.projectWebhookPolicy.findOne({ projectIdOrName: 'demo', isProjectName: true, name: 'notify-ci' })],
    ['projectWebhookPolicy.getOne', async () => {
        const found = await client.projectWebhookPolicy.findOne({ projectIdOrName: 'demo', isProjectName: true, name: 'notify-ci' });
        return client.projectWebhookPolicy.getOne({ projectIdOrName: 'demo', isProjectName: true, id: found.id });
    }],
    ['robot.getMany', () => client.robot.getMany({ query: { page_size: 100 } })],
    ['robot.getOne', async () => client.robot.getOne((await client.robot.getMany({ query: {} })).data[0].id)],
    ['search', () => client.search('nginx')],
    // creates
    ['project.create', async () => (state.project = await client.project.create({ project_name: 'hapic', public: true }))],
    ['projectWebhookPolicy.create', async () => (state.webhook = await client.projectWebhookPolicy.create({
        projectIdOrName: 'hapic', isProjectName: true,
        data: { name: 'hapic-hook', targets: [{ type: 'http', address: 'http://127.0.0.1:9/hook' }] },
    }))],
    ['projectWebhookPolicy.create (defaults)', () => client.projectWebhookPolicy.create({
        projectIdOrName: 'hapic', isProjectName: true, data: { name: 'hapic-bare' },
    })],
    ['robot.create', async () => (state.robot = await client.robot.create({
        name: 'hapic', level: 'system', duration: 30, permissions: [buildRobotPermissionForAllResources('hapic')],
    }))],
    ['projectRepositoryArtifact.copy', () => client.projectRepositoryArtifact.copy(
        { projectName: 'hapic', repositoryName: 'nginx' }, 'library/nginx:1.27',
    )],
    ['projectRepositoryArtifactLabel.create', async () => {
        const labels = await fetchJson('/labels?scope=g');
        state.label = labels[0].id;
        return client.projectRepositoryArtifactLabel.create({ projectName: 'hapic', repositoryName: 'nginx', tagOrDigest: '1.27', labelId: state.label });
    }],
    // updates
    ['project.update', () => client.project.update('hapic', { project_name: 'hapic', public: false }, true)],
    ['projectRepository.update', () => client.projectRepository.update({ projectName: 'hapic', repositoryName: 'nginx', data: { description: 'copied' } })],
    ['projectWebhookPolicy.update', () => client.projectWebhookPolicy.update({
        projectIdOrName: 'hapic', isProjectName: true, id: state.webhook.id,
        data: { name: 'hapic-hook', description: 'updated', targets: [{ type: 'http', address: 'http://127.0.0.1:9/hook' }] },
    })],
    ['robot.updateSecret', () => client.robot.updateSecret(state.robot.id)],
    ['robot.update', () => client.robot.update(state.robot.id, {
        name: state.robot.name, level: 'system', duration: 60, permissions: [buildRobotPermissionForAllResources('hapic')],
    })],
    // deletes
    ['projectRepositoryArtifactLabel.delete', () => client.projectRepositoryArtifactLabel.delete({ projectName: 'hapic', repositoryName: 'nginx', tagOrDigest: '1.27', labelId: state.label })],
    ['projectWebhookPolicy.deleteByName', () => client.projectWebhookPolicy.deleteByName({ projectIdOrName: 'hapic', isProjectName: true, name: 'hapic-hook' })],
    ['projectWebhookPolicy.delete', async () => {
        const made = await client.projectWebhookPolicy.create({
            projectIdOrName: 'hapic', isProjectName: true,
            data: { name: 'hapic-hook2', targets: [{ type: 'http', address: 'http://127.0.0.1:9/hook' }] },
        });
        return client.projectWebhookPolicy.delete({ projectIdOrName: 'hapic', isProjectName: true, id: made.id });
    }],
    ['robot.delete', () => client.robot.delete(state.robot.id)],
    ['projectRepositoryArtifact.delete', () => client.projectRepositoryArtifact.delete({ projectName: 'hapic', repositoryName: 'nginx', tagOrDigest: '1.27' })],
    ['projectRepository.delete', () => client.projectRepository.delete('hapic/nginx')],
    ['project.delete', () => client.project.delete('hapic', true)],
];

// Writes whose success has no body: what they return is `undefined` by design.
const NO_BODY = /\.(update|delete|deleteByName|copy)$|Label\.create$/;

async function fetchJson(path) {
    const auth = Buffer.from('admin:Harbor12345').toString('base64');
    const r = await fetch(`${url}/api/v2.0${path}`, { headers: { authorization: `Basic ${auth}` } });
    return r.json();
}

const results = [];
for (const [name, call] of calls) {
    let outcome;
    try {
        const value = await call();
        const hollow = NO_BODY.test(name) ? undefined : emptiness(value);
        outcome = hollow ? { result: 'empty', detail: hollow } : { result: 'ok', detail: '' };
    } catch (e) {
        const status = e?.response?.status ?? e?.statusCode;
        const refused = HARBOR_REFUSES[name];
        if (refused && refused[0] === status) outcome = { result: 'refused', status, detail: `${refused[1]}: ${refused[2]}` };
        else outcome = { result: 'error', status, detail: JSON.stringify(e?.response?.data ?? e?.message ?? String(e)).slice(0, 300) };
    }
    results.push({ call: name, ...outcome });
    console.log(`${outcome.result.padEnd(8)} ${String(outcome.status ?? '-').padStart(4)} ${name} ${outcome.detail}`);
}
const count = (r) => results.filter((x) => x.result === r).length;
console.log(`\n${results.length} calls: ${count('ok')} ok, ${count('empty')} empty, ${count('refused')} refused, ${count('error')} error`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 1));
process.exit(count('empty') + count('error') === 0 ? 0 : 1);
