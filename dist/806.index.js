export const id = 806;
export const ids = [806];
export const modules = {

/***/ 9806:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  GitHubSide: () => (/* binding */ GitHubSide)
});

// EXTERNAL MODULE: ./src/report/outputs.ts
var outputs = __webpack_require__(5468);
// EXTERNAL MODULE: ./src/report/summary.ts
var summary = __webpack_require__(7994);
;// CONCATENATED MODULE: ./src/github/comment.ts


/** GitHub refuses comment bodies over 65536 characters. */
const MAX_COMMENT = 65536;
function marker(key) {
    return `<!-- ukc-deploy preview: ${key.replace(/--+/g, '-')} -->`;
}
/** Lines of a failed instance's console shown in the comment (the summary has more). */
const CONSOLE_LINES = 15;
/** `api, worker`, or `api and 3 more`. */
function names(rows) {
    const shown = rows.slice(0, 3).map((o) => (0,summary/* cell */.Hn)(o.name));
    return rows.length > 3 ? `${shown.join(', ')} and ${rows.length - 3} more` : shown.join(', ');
}
/** The headline: what happened, and what is running now. */
function headline(result, pr) {
    const url = (0,outputs/* publicUrls */.wY)(result.objects)[0];
    if (result.status === 'success')
        return `### 🚀 Preview of #${pr}${url ? `: ${url}` : ''}`;
    const running = result.objects.filter((o) => o.kind === 'instance' && !o.rolledBack && serving(o));
    const now = running.length === 0
        ? 'nothing is running'
        : `${names(running)} ${running.length === 1 ? 'is' : 'are'} running${url ? ` at ${url}` : ''}`;
    return result.status === 'partial_success'
        ? `### ⚠️ Preview of #${pr} partly failed — ${now}`
        : `### ❌ Preview of #${pr} failed — ${now}`;
}
/** Serving now: running or on standby, not failed, not rolled back. */
const serving = (o) => o.action !== 'failed' && !o.rolledBack && (o.state === 'running' || o.state === 'standby');
/** A failed instance: its name, its reason in words, and its console's last lines. */
function fault(o) {
    const block = o.logTail ? `\n\n${(0,summary/* consoleBlock */.HY)(o.name, o.logTail, CONSOLE_LINES)}` : '';
    return `**${(0,summary/* cell */.Hn)(o.name)}** ❌ ${(0,summary/* cell */.Hn)(o.error ?? 'failed')}${block}`;
}
function row(o) {
    const url = serving(o) && o.fqdns[0] ? `https://${o.fqdns[0]}` : '';
    const what = o.action === 'failed'
        ? '❌ at fault, see above'
        : o.rolledBack
            ? 'rolled back (not at fault)'
            : '✅';
    return `| ${(0,summary/* cell */.Hn)(o.name)} | ${(0,summary/* cell */.Hn)(o.state)} | ${url} | ${(0,summary/* runtimeCell */.zA)(o)} | ${what} |`;
}
/**
 * The comment, trimmed by rows when GitHub's size limit is near: the headline, the first
 * failures and the footer always stay, and the rows left out are counted.
 */
function renderComment(key, result, ctx) {
    const sha = ctx.sha.slice(0, 7);
    const run = ctx.runUrl ? ` · [run](${ctx.runUrl})` : '';
    const head = `${marker(key)}\n`;
    if (ctx.closed) {
        const ok = result.status !== 'error';
        return `${head}### 🧹 Preview of #${ctx.pr} ${ok ? 'deleted' : 'not fully deleted'}\n\n${ok ? 'The pull request closed, so its preview was deleted.' : `Deleting the preview failed: ${(0,summary/* cell */.Hn)(result.error ?? 'see the run')}. A scheduled sweep will retry.`}\n\n<sub>at ${sha}${run}</sub>\n`;
    }
    const instances = result.objects.filter((o) => o.kind === 'instance');
    const failed = instances.filter((o) => o.action === 'failed');
    const error = result.error ? `> ${(0,summary/* cell */.Hn)(result.error)}\n\n` : '';
    const word = result.status === 'success'
        ? 'deployed'
        : result.status === 'partial_success'
            ? 'partly deployed'
            : 'failed at';
    const footer = `<sub>${word} ${sha}${run} · ukc-deploy</sub>\n`;
    const expiry = (0,summary/* expiryLine */.c$)(result);
    const top = `${head}${headline(result, ctx.pr)}\n\n${error}${expiry ? `${expiry}\n\n` : ''}`;
    // The instances at fault first, then every row (at fault or not) in one table.
    const parts = [...failed.map(fault), ...instances.map(row)];
    const faults = failed.length;
    const tableHead = '| Instance | State | URL | Runtime | Result |\n|---|---|---|---|---|\n';
    const render = (kept) => {
        const shownFaults = parts.slice(0, Math.min(kept, faults));
        const shownRows = parts.slice(faults, Math.max(faults, kept));
        const left = parts.length - kept;
        const more = left > 0 ? `…and ${left} more row${left === 1 ? '' : 's'} in the job summary\n\n` : '';
        const table = shownRows.length > 0 ? `${tableHead}${shownRows.join('\n')}\n\n` : '';
        const blocks = shownFaults.length > 0 ? `${shownFaults.join('\n\n')}\n\n` : '';
        return `${top}${blocks}${table}${more}${footer}`;
    };
    let kept = parts.length;
    let body = render(kept);
    while (body.length > MAX_COMMENT && kept > 1) {
        // Cut in proportion to the excess, at least one row a round.
        const over = body.length - MAX_COMMENT;
        kept = Math.max(1, kept - Math.max(1, Math.ceil((over / body.length) * kept) + 1));
        body = render(kept);
    }
    return body.length > MAX_COMMENT
        ? `${body.slice(0, MAX_COMMENT - footer.length - 2)}\n\n${footer}`
        : body;
}
/** The login the token writes as: GITHUB_TOKEN cannot read /user, and writes as github-actions[bot]. */
async function ownLogin(rest) {
    try {
        const { data } = await rest.request('GET', '/user');
        return data.login;
    }
    catch {
        return 'github-actions[bot]';
    }
}
/** Creates the comment, or updates the one this token left before. Returns its id and what was done. */
async function upsertComment(rest, repo, pr, key, body) {
    const [login, comments] = await Promise.all([
        ownLogin(rest),
        rest.all(`/repos/${repo}/issues/${pr}/comments`)
    ]);
    const mine = comments.find((c) => c.user?.login === login && (c.body ?? '').includes(marker(key)));
    if (mine) {
        await rest.request('PATCH', `/repos/${repo}/issues/comments/${mine.id}`, { body });
        return { id: mine.id, action: 'updated' };
    }
    const { data } = await rest.request('POST', `/repos/${repo}/issues/${pr}/comments`, { body });
    return { id: data.id, action: 'created' };
}

;// CONCATENATED MODULE: ./src/github/deployment.ts
async function startDeployment(rest, t, logUrl) {
    const { data } = await rest.request('POST', `/repos/${t.repo}/deployments`, {
        ref: t.ref,
        environment: t.environment,
        transient_environment: t.transient,
        production_environment: false,
        auto_merge: false,
        required_contexts: [],
        description: 'ukc-deploy'
    });
    await setStatus(rest, t.repo, data.id, { state: 'in_progress', log_url: logUrl });
    return data.id;
}
async function setStatus(rest, repo, id, s) {
    const body = { state: s.state, auto_inactive: false };
    if (s.environment_url)
        body.environment_url = s.environment_url;
    if (s.log_url)
        body.log_url = s.log_url;
    if (s.description)
        body.description = s.description.slice(0, 140);
    await rest.request('POST', `/repos/${repo}/deployments/${id}/statuses`, body);
}
/** Marks every deployment of the environment inactive (the preview is gone). */
async function deactivate(rest, repo, environment, logUrl) {
    const list = await rest.all(`/repos/${repo}/deployments?environment=${encodeURIComponent(environment)}`);
    for (const d of list)
        await setStatus(rest, repo, d.id, {
            state: 'inactive',
            log_url: logUrl,
            description: 'preview deleted'
        });
    return list.length;
}
/** `open` or `closed`; `unknown` when GitHub cannot say (never delete on a guess). */
async function pullState(rest, repo, n) {
    try {
        const { data } = await rest.request('GET', `/repos/${repo}/pulls/${n}`);
        return data.state === 'closed' ? 'closed' : data.state === 'open' ? 'open' : 'unknown';
    }
    catch {
        return 'unknown';
    }
}

// EXTERNAL MODULE: ./node_modules/@actions/github/lib/github.js + 21 modules
var github = __webpack_require__(1758);
// EXTERNAL MODULE: ./node_modules/@octokit/plugin-retry/dist-bundle/index.js
var dist_bundle = __webpack_require__(9735);
// EXTERNAL MODULE: ./node_modules/@octokit/plugin-throttling/dist-bundle/index.js
var plugin_throttling_dist_bundle = __webpack_require__(6856);
// EXTERNAL MODULE: ./src/version.ts
var version = __webpack_require__(311);
;// CONCATENATED MODULE: ./src/github/rest.ts
/**
 * The GitHub REST calls the action makes (comments, deployments, pull requests), through the
 * toolkit's Octokit (`@actions/github`): its proxy handling, GITHUB_API_URL for GitHub
 * Enterprise (or a fake in tests), pagination, and the retry and throttling plugins for 5xx
 * and rate limits. This file adds only what the action needs on top: every call bounded by
 * the run's deadline, pages followed only on the API host, and errors in one shape.
 */




class GitHubError extends Error {
    status;
    method;
    path;
    apiMessage;
    constructor(status, method, path, apiMessage) {
        super(`${method} ${path}: ${status ? `HTTP ${status}` : 'no answer'}${apiMessage ? `: ${apiMessage}` : ''}`);
        this.status = status;
        this.method = method;
        this.path = path;
        this.apiMessage = apiMessage;
        this.name = 'GitHubError';
    }
}
/** The longest one GitHub call (with its retries) may take. */
const CALL_MS = 10000;
/** A rate limit is waited out (at most twice) only when the wait fits in the run. */
const RATE_LIMIT_RETRIES = 2;
/**
 * A call whose time ran out fails as 408, so the retry plugin does not try it again with a
 * signal that is already spent. Registered before the retry plugin, so it sees the error first.
 */
function runOutIsFinal(octokit) {
    octokit.hook.error('request', (error, options) => {
        if (options.request?.signal?.aborted)
            Object.assign(error, { status: 408 });
        throw error;
    });
}
class GitHubRest {
    apiUrl;
    octokit;
    deadline;
    constructor(token, apiUrl = 'https://api.github.com', opts = {}) {
        this.apiUrl = apiUrl.replace(/\/+$/, '');
        this.deadline = opts.deadline ?? Date.now() + 60000;
        const fits = (retryAfterSeconds, retryCount) => retryCount < RATE_LIMIT_RETRIES && Date.now() + retryAfterSeconds * 1000 < this.deadline;
        this.octokit = (0,github/* getOctokit */.Q)(token, {
            baseUrl: this.apiUrl,
            userAgent: `${version/* PRODUCT */.A}/${version/* VERSION */.x}`,
            throttle: {
                onRateLimit: (after, _o, _k, count) => fits(after, count),
                onSecondaryRateLimit: (after, _o, _k, count) => fits(after, count)
            },
            // The plugin's list, plus 408: a call cut off by the run's timeout is not retried.
            retry: { retries: 2, doNotRetry: [400, 401, 403, 404, 408, 410, 422, 451] }
        }, runOutIsFinal, dist_bundle/* retry */.L, plugin_throttling_dist_bundle/* throttling */.A);
        // A `Link: rel="next"` (or any absolute URL) to another host would receive the token.
        this.octokit.hook.before('request', (options) => {
            // Every request has its time bound, also the pages Octokit's pagination asks for itself
            // (it passes no request options on).
            options.request = { ...options.request, signal: options.request?.signal ?? this.signal() };
            const url = String(options.url);
            if (/^https?:\/\//i.test(url) && !this.onApiHost(url))
                throw new GitHubError(0, String(options.method), url, 'refused: not on the GitHub API host');
        });
    }
    onApiHost(url) {
        try {
            const api = new URL(this.apiUrl);
            const u = new URL(url);
            return u.origin === api.origin && u.pathname.startsWith(api.pathname.replace(/\/?$/, '/'));
        }
        catch {
            return false;
        }
    }
    /**
     * The abort signal of one call, its retries included: at most 10 s, and never past the
     * run's deadline, so a GitHub that does not answer cannot hold a deploy up for long.
     */
    signal() {
        return AbortSignal.timeout(Math.max(1, Math.min(CALL_MS, this.deadline - Date.now())));
    }
    wrap(method, path, err) {
        if (err instanceof GitHubError)
            return err;
        const e = err;
        const data = e.response?.data;
        const message = typeof data === 'object' && data?.message
            ? data.message
            : e.name === 'AbortError' || e.name === 'TimeoutError' || /abort/i.test(e.message ?? '')
                ? "the run's timeout ran out before GitHub answered"
                : (e.message ?? String(err));
        return new GitHubError(e.status ?? 0, method, path.split('?')[0], message);
    }
    async request(method, path, body) {
        try {
            const res = await this.octokit.request(`${method} ${path}`, {
                ...(body === undefined ? {} : { data: body }),
                request: { signal: this.signal() }
            });
            return { data: res.data };
        }
        catch (err) {
            throw this.wrap(method, path, err);
        }
    }
    /** Every page of a list (Octokit's pagination, 100 a page). */
    async all(path) {
        try {
            // A next page on another host ends the list (and the hook refuses it anyway).
            const route = `GET ${path}`;
            return (await this.octokit.paginate(route, { per_page: 100 }, (response, done) => {
                const next = /<([^>]+)>;\s*rel="next"/.exec(String(response.headers.link ?? ''))?.[1];
                if (next && !this.onApiHost(next))
                    done();
                return response.data;
            }));
        }
        catch (err) {
            throw this.wrap('GET', path, err);
        }
    }
    /** Nothing to free: Octokit holds no sockets of its own. */
    dispose() { }
}
/** Why GitHub refused, in words a user can act on. */
function explain(err, what) {
    if (err instanceof GitHubError &&
        err.status === 403 &&
        /not accessible by integration/i.test(err.apiMessage))
        return (`${what} was skipped: GitHub answered 403 "${err.apiMessage}". The token cannot write here: ` +
            'on a pull request from a fork the GITHUB_TOKEN is read-only, the repository or organisation may make the default token read-only, ' +
            'or the workflow lacks the permission. Add to the job:\n' +
            '  permissions:\n    contents: read\n    pull-requests: write   # the preview comment\n    deployments: write     # the GitHub Deployment');
    if (err instanceof GitHubError && (err.status === 401 || err.status === 403))
        return `${what} was skipped: GitHub refused the token (${err.message}); check the github-token input`;
    return `${what} failed: ${err instanceof Error ? err.message : String(err)}`;
}

;// CONCATENATED MODULE: ./src/github/side.ts




class GitHubSide {
    o;
    rest;
    deploymentId;
    constructor(o) {
        this.o = o;
        if (o.token && o.event.repository)
            this.rest = new GitHubRest(o.token, o.apiUrl, { deadline: o.deadline });
    }
    get environment() {
        return (this.o.environment ?? (this.o.preview ? `preview/pr-${this.o.preview.number}` : undefined));
    }
    get wanted() {
        return Boolean(this.o.preview && this.o.comment) || this.environment !== undefined;
    }
    async attempt(what, fn) {
        try {
            await fn();
        }
        catch (err) {
            this.o.warn(explain(err, what));
        }
    }
    /** Before the deploy: a deployment in progress. */
    async begin() {
        if (!this.wanted)
            return;
        if (!this.rest) {
            this.o.warn('The PR comment and GitHub Deployment were skipped: no github-token (or no GITHUB_REPOSITORY)');
            return;
        }
        const env = this.environment;
        if (!env || this.o.closing)
            return;
        await this.attempt('Creating the GitHub Deployment', async () => {
            this.deploymentId = await startDeployment(this.rest, {
                repo: this.o.event.repository,
                ref: this.o.preview?.headSha || this.o.event.sha || 'HEAD',
                environment: env,
                transient: Boolean(this.o.preview)
            }, this.o.event.runUrl);
        });
    }
    /** After the run: the deployment's outcome, and the sticky comment. */
    async finish(result) {
        if (!this.rest || !this.wanted)
            return;
        const repo = this.o.event.repository;
        const env = this.environment;
        if (env && this.o.closing)
            await this.attempt('Marking the GitHub Deployment inactive', async () => {
                const n = await deactivate(this.rest, repo, env, this.o.event.runUrl);
                this.o.info(`GitHub Deployments of ${env}: ${n} marked inactive`);
            });
        if (this.deploymentId !== undefined)
            await this.attempt('Updating the GitHub Deployment', () => setStatus(this.rest, repo, this.deploymentId, {
                state: result.status === 'success' ? 'success' : 'failure',
                environment_url: (0,outputs/* publicUrls */.wY)(result.objects)[0],
                log_url: this.o.event.runUrl,
                description: `ukc-deploy: ${result.status}`
            }));
        const pr = this.o.preview;
        if (pr && this.o.comment)
            await this.attempt('The preview comment', async () => {
                const body = renderComment(this.o.specKey, result, {
                    pr: pr.number,
                    sha: pr.headSha,
                    runUrl: this.o.event.runUrl,
                    closed: this.o.closing
                });
                const done = await upsertComment(this.rest, repo, pr.number, this.o.specKey, body);
                this.o.info(`Preview comment ${done.action} on #${pr.number}`);
            });
    }
    /** sweep asks whether a PR is still open. */
    prState() {
        if (!this.rest)
            return undefined;
        const rest = this.rest;
        const repo = this.o.event.repository;
        return (n) => pullState(rest, repo, n);
    }
    dispose() {
        this.rest?.dispose();
    }
}


/***/ })

};

//# sourceMappingURL=806.index.js.map