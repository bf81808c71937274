export const id = 417;
export const ids = [417];
export const modules = {

/***/ 6417:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GitHubError: () => (/* binding */ GitHubError),
/* harmony export */   GitHubRest: () => (/* binding */ GitHubRest),
/* harmony export */   explain: () => (/* binding */ explain)
/* harmony export */ });
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1758);
/* harmony import */ var _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9735);
/* harmony import */ var _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6856);
/* harmony import */ var _version_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(311);
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
        this.octokit = (0,_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q)(token, {
            baseUrl: this.apiUrl,
            userAgent: `${_version_js__WEBPACK_IMPORTED_MODULE_1__/* .PRODUCT */ .A}/${_version_js__WEBPACK_IMPORTED_MODULE_1__/* .VERSION */ .x}`,
            throttle: {
                onRateLimit: (after, _o, _k, count) => fits(after, count),
                onSecondaryRateLimit: (after, _o, _k, count) => fits(after, count)
            },
            // The plugin's list, plus 408: a call cut off by the run's timeout is not retried.
            retry: { retries: 2, doNotRetry: [400, 401, 403, 404, 408, 410, 422, 451] }
        }, runOutIsFinal, _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_2__/* .retry */ .L, _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_3__/* .throttling */ .A);
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


/***/ })

};

//# sourceMappingURL=417.index.js.map