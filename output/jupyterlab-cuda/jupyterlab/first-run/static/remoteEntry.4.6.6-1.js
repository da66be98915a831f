// kfc (resources/jupyterlab/first-run): JupyterLab 4.6.6 drops a notebook cell run made while the
// notebook's new kernel is being started (jupyterlab/jupyterlab#8490, still so in 4.7.0-beta.3): no
// execute_request is sent and the prompt goes back to "[ ]:". Two windows, both seen in fresh containers:
// - SessionContext._changeKernel has set the pending kernel name (hasNoKernel is false) but attaches the
//   session only after POST /api/sessions and two PATCHes: CodeCell.execute finds no session.kernel,
//   clears the cell's execution and returns;
// - the press comes before the context's own start (hasNoKernel): runCell starts a kernel, the context's
//   initialize() starts another that preempts it, and runCell goes on to CodeCell.execute before the
//   second is attached.
// This executor holds a code cell's run, shown as [*], while the context reads "initializing" (its own
// notion: no kernel yet and one is being started), then hands it to JupyterLab's own runCell: a kernel
// is attached by then (its messages queue until it connects), or the start failed or was declined (then
// JupyterLab does what it always does). No timer, no delay.
//
// A federated extension written by hand (the module federation container protocol JupyterLab's
// bootstrap.js loads: init(shareScope), get('./extension')); its package.json disables the core
// @jupyterlab/notebook-extension:cell-executor plugin it replaces. tests/images/jupyterlab-cpu/first-cell
// checks it is still needed (the drop happens with it disabled) and that it works.
(() => {
  let shareScope;

  /** The app's own instance of a shared package (4.6.x): the same tokens and functions the app uses. */
  const shared = async (name) => {
    const versions = shareScope?.[name] ?? {};
    const version = Object.keys(versions).find((v) => v.startsWith('4.6.'));
    if (!version) throw new Error(`@kfc/jupyterlab-first-run: ${name} 4.6 is not shared (JupyterLab changed?)`);
    const factory = await versions[version].get();
    return factory();
  };

  /** True while the context has no kernel and is starting one (its "initializing" status). */
  const starting = (sc) => !!sc && !sc.isDisposed && sc.kernelDisplayStatus === 'initializing';

  const attached = (sc) =>
    new Promise((resolve) => {
      const signals = [sc.sessionChanged, sc.kernelChanged, sc.statusChanged, sc.disposed];
      const check = () => {
        if (starting(sc)) return;
        for (const s of signals) s.disconnect(check);
        resolve();
      };
      for (const s of signals) s.connect(check);
      // initialize() marks the context ready without a signal when it started nothing.
      sc.ready.then(check, check);
      check();
    });

  const plugin = (notebook) => ({
    id: '@kfc/jupyterlab-first-run:cell-executor',
    description: 'Runs a cell sent while the kernel is being started once the kernel is attached (kfc).',
    autoStart: true,
    provides: notebook.INotebookCellExecutor,
    activate: () =>
      Object.freeze({
        runCell: async (options) => {
          const sc = options.sessionContext;
          if (options.cell.model.type === 'code' && starting(sc)) {
            options.cell.model.executionState = 'running';
            await attached(sc);
          }
          return notebook.runCell(options);
        },
      }),
  });

  window._JUPYTERLAB = window._JUPYTERLAB ?? {};
  window._JUPYTERLAB['@kfc/jupyterlab-first-run'] = {
    init: (scope) => {
      shareScope = scope;
    },
    get: async (module) => {
      if (module !== './extension') throw new Error(`@kfc/jupyterlab-first-run has no module ${module}`);
      const notebook = await shared('@jupyterlab/notebook');
      return () => ({ __esModule: true, default: plugin(notebook) });
    },
  };
})();
