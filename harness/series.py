#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make series: generate the mailable patch series from the repo.

The series is never kept by hand. harness/series.conf orders it: each
block is either a quilt patch of patches/ (its mail header becomes the
commit) or a group of overlay files (new files the series adds) with a
subject and a body. Every overlay file and every patch must be used
exactly once, so nothing is forgotten.

The commits are made on a git repository of the pristine base (kept in
the cache), exported with git format-patch and a cover letter into
build/series/, then checked: the patches apply with git am on the
pristine base, the result is identical to build/linux for every file the
series touches, and scripts/checkpatch.pl runs over each patch.
"""

import glob
import os
import re
import shutil
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get('LUO_CACHE', os.path.join(
    os.environ.get('XDG_CACHE_HOME', os.path.expanduser('~/.cache')), 'luo-6.12'))
BUILD = os.environ.get('LUO_BUILD', os.path.join(TOP, 'build'))
OVERLAY_DIRS = 'arch drivers include kernel lib mm tools Documentation'.split()
AUTHOR = 'Live Update Team <liveupdate@example.org>'
GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME='Live Update Team',
               GIT_AUTHOR_EMAIL='liveupdate@example.org',
               GIT_COMMITTER_NAME='Live Update Team',
               GIT_COMMITTER_EMAIL='liveupdate@example.org',
               GIT_AUTHOR_DATE='2026-01-01T00:00:00Z',
               GIT_COMMITTER_DATE='2026-01-01T00:00:00Z')


def git(repo, *args, **kw):
    return subprocess.run(['git', '-C', repo] + list(args), check=True,
                          env=GIT_ENV, text=True, capture_output=True,
                          **kw).stdout


def die(msg):
    sys.exit('series: error: ' + msg)


def parse_conf(path):
    blocks, cur = [], None
    for line in open(path):
        if line.startswith('#') or not line.strip():
            if cur and cur.get('body') is not None and not line.startswith('#'):
                cur['body'] += '\n'
            continue
        key, _, val = line.partition(':')
        key, val = key.strip(), val.strip()
        if key in ('patch', 'commit'):
            cur = {key: val}
            blocks.append(cur)
        elif line.startswith(' ') and cur and 'body' in cur:
            text = line.strip()
            cur['body'] += '\n' if text == '.' else text + '\n'
        elif line.startswith(' ') and cur and 'files' in cur:
            cur['files'] += line.split()
        elif key == 'files':
            cur['files'] = cur.get('files', []) + val.split()
        elif key == 'body':
            cur['body'] = val + '\n'
        else:
            die('series.conf: cannot parse: ' + line.rstrip())
    return blocks


def overlay_files():
    out = []
    for d in OVERLAY_DIRS:
        for root, _, files in os.walk(os.path.join(TOP, d)):
            out += [os.path.relpath(os.path.join(root, f), TOP)
                    for f in files if not f.startswith('.')]
    return sorted(out)


def base_repo():
    base = open(os.path.join(CACHE, 'base', 'current')).read().strip()
    ver = open(os.path.join(CACHE, 'base', 'current-version')).read().strip()
    repo = os.path.join(CACHE, 'base-git', ver)
    if not os.path.exists(os.path.join(repo, '.git', 'luo-done')):
        print('series: making a git repository of the pristine base (once)')
        shutil.rmtree(repo, ignore_errors=True)
        os.makedirs(repo)
        git(repo, 'init', '-q', '-b', 'pristine')
        subprocess.run(['cp', '-a', base + '/.', repo], check=True)
        git(repo, 'add', '-A', '-f')
        git(repo, 'commit', '-q', '-m', 'Debian linux-source-6.12 ' + ver)
        git(repo, 'tag', 'base')
        open(os.path.join(repo, '.git', 'luo-done'), 'w').close()
    return repo, ver


def main():
    blocks = parse_conf(os.path.join(TOP, 'harness', 'series.conf'))
    series = [l.strip() for l in open(os.path.join(TOP, 'patches', 'series'))
              if l.strip() and not l.startswith('#')]
    files = overlay_files()
    used_files, used_patches = set(), []
    for b in blocks:
        if 'patch' in b:
            used_patches.append(b['patch'])
        for pat in b.get('files', []):
            hit = [f for f in files if f == pat or (pat.endswith('/') and f.startswith(pat))]
            if not hit:
                die('series.conf: %s matches no file' % pat)
            b.setdefault('resolved', []).extend(hit)
            used_files.update(hit)
    missing = sorted(set(files) - used_files)
    if missing:
        die('files in no series.conf block: ' + ' '.join(missing))
    if used_patches != series:
        die('series.conf patches %s differ from patches/series %s' % (used_patches, series))

    repo, ver = base_repo()
    git(repo, 'checkout', '-q', '-f', '-B', 'series', 'base')
    git(repo, 'clean', '-q', '-fdx')
    for b in blocks:
        if 'patch' in b:
            try:
                git(repo, 'am', '-q', '--keep-cr', os.path.join(TOP, 'patches', b['patch']))
            except subprocess.CalledProcessError as e:
                git(repo, 'am', '--abort')
                die('git am %s failed: %s' % (b['patch'], e.stderr))
            continue
        for f in b['resolved']:
            dst = os.path.join(repo, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(os.path.join(TOP, f), dst)
            git(repo, 'add', '-f', f)
        msg = '%s\n\n%s\nSigned-off-by: %s\n' % (b['commit'], b.get('body', ''), AUTHOR)
        git(repo, 'commit', '-q', '-F', '-', input=msg)

    out = os.path.join(BUILD, 'series')
    shutil.rmtree(out, ignore_errors=True)
    git(repo, 'format-patch', '-q', '--cover-letter', '--thread', '-o', out, 'base..series')
    cover = open(os.path.join(TOP, 'harness', 'cover-letter.txt')).read()
    subject, _, blurb = cover.partition('\n\n')
    blurb += '\nBase: Debian linux-source-6.12 %s.\n' % ver
    cpath = glob.glob(os.path.join(out, '0000-*'))[0]
    text = open(cpath).read()
    text = text.replace('*** SUBJECT HERE ***', subject.strip())
    text = text.replace('*** BLURB HERE ***', blurb.strip())
    open(cpath, 'w').write(text)
    patches = sorted(glob.glob(os.path.join(out, '0*.patch')))[1:]

    # Check 1: the exported series applies with git am on the pristine base.
    git(repo, 'checkout', '-q', '-f', '-B', 'series-check', 'base')
    try:
        git(repo, 'am', '-q', *patches)
    except subprocess.CalledProcessError as e:
        git(repo, 'am', '--abort')
        die('the series does not apply with git am: ' + e.stderr)
    if git(repo, 'diff', '--stat', 'series', 'series-check'):
        die('git am of the series differs from the series branch')
    # Check 2: what it builds is what the harness tests (build/linux).
    tree = os.path.join(BUILD, 'linux')
    changed = git(repo, 'diff', '--name-only', 'base', 'series-check').split()
    for f in changed:
        a, b = os.path.join(repo, f), os.path.join(tree, f)
        if not os.path.exists(b) or open(a, 'rb').read() != open(b, 'rb').read():
            die('%s differs between the series and build/linux (run make tree)' % f)
    print('series: %d patches + cover letter in %s; they apply with git am on '
          'the pristine base and match build/linux (%d files)'
          % (len(patches), out, len(changed)))

    # checkpatch over every patch.
    total = {'ERROR': 0, 'WARNING': 0, 'CHECK': 0}
    with open(os.path.join(out, 'checkpatch.txt'), 'w') as log:
        for p in patches:
            r = subprocess.run(['perl', 'scripts/checkpatch.pl', '--strict', '--terse',
                                '--show-types', p], cwd=repo, text=True,
                               capture_output=True)
            log.write(r.stdout)
            counts = {k: len(re.findall(r': %s:' % k, r.stdout)) for k in total}
            for k in total:
                total[k] += counts[k]
            print('  checkpatch %-60s %d errors, %d warnings, %d checks'
                  % (os.path.basename(p)[:60], counts['ERROR'], counts['WARNING'],
                     counts['CHECK']))
    print('series: checkpatch --strict: %d errors, %d warnings, %d checks (%s)'
          % (total['ERROR'], total['WARNING'], total['CHECK'],
             os.path.join(out, 'checkpatch.txt')))
    return 0


if __name__ == '__main__':
    sys.exit(main())
