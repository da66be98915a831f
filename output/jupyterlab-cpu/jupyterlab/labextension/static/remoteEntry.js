// @kfc/vscode-launcher — a prebuilt JupyterLab 4 extension written by hand (no webpack, no npm build:
// jupyter-server-proxy's launcher extension is not in Debian). JupyterLab loads prebuilt extensions
// as module-federation containers: this file registers window._JUPYTERLAB[name] = { init, get },
// takes the Launcher/coreutils/ui-components modules from the share scope JupyterLab passes to
// init(), and returns one plugin that adds a "VS Code" tile opening <base_url>vscode/ in a new tab.
(function () {
  'use strict';
  var NAME = '@kfc/vscode-launcher';
  var COMMAND = 'kfc-vscode:open';
  var ICON =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">' +
    '<path fill="#0065A9" d="M96.5 10.8 75.9.9a6.2 6.2 0 0 0-7.1 1.2L29.4 38 12.2 25a4.2 4.2 0 0 0-5.3.2l-5.5 5a4.2 4.2 0 0 0 0 6.2L16.3 50 1.4 63.6a4.2 4.2 0 0 0 0 6.2l5.5 5a4.2 4.2 0 0 0 5.3.2l17.2-13L68.8 97.9a6.2 6.2 0 0 0 7.1 1.2l20.6-9.9a6.2 6.2 0 0 0 3.5-5.6V16.4a6.2 6.2 0 0 0-3.5-5.6ZM75 72.7 45.1 50 75 27.3Z"/>' +
    '</svg>';
  var scope = null;

  function shared(pkg) {
    var versions = scope && scope[pkg];
    var keys = versions ? Object.keys(versions) : [];
    if (!keys.length) return Promise.reject(new Error(NAME + ': ' + pkg + ' is not in the share scope'));
    return Promise.resolve(versions[keys.sort().pop()].get()).then(function (factory) {
      return typeof factory === 'function' ? factory() : factory;
    });
  }

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = {
    init: function (shareScope) {
      scope = shareScope;
    },
    get: function (module) {
      if (module !== './extension') return Promise.reject(new Error(NAME + ': no module ' + module));
      return Promise.all([
        shared('@jupyterlab/launcher'),
        shared('@jupyterlab/coreutils'),
        shared('@jupyterlab/ui-components')
      ]).then(function (mods) {
        var launcher = mods[0], coreutils = mods[1], ui = mods[2];
        var plugin = {
          id: NAME + ':plugin',
          description: 'Adds VS Code (code-server) to the Launcher.',
          autoStart: true,
          optional: [launcher.ILauncher],
          activate: function (app, launcherApi) {
            var url = coreutils.URLExt.join(coreutils.PageConfig.getBaseUrl(), 'vscode/');
            var icon = new ui.LabIcon({ name: 'kfc:vscode', svgstr: ICON });
            app.commands.addCommand(COMMAND, {
              label: 'VS Code',
              caption: 'Open VS Code (code-server) in a new browser tab',
              icon: icon,
              execute: function () {
                window.open(url, '_blank');
              }
            });
            // Notebook-category cards show kernelIconUrl (other categories show the command icon).
            var iconUrl = 'data:image/svg+xml;base64,' + window.btoa(ICON);
            if (launcherApi) launcherApi.add({ command: COMMAND, category: 'Notebook', rank: 100, kernelIconUrl: iconUrl });
          }
        };
        return function () {
          return { __esModule: true, default: [plugin] };
        };
      });
    }
  };
})();
