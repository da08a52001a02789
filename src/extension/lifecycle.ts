import type * as vscode from 'vscode';

/**
 * Owns disposables registered with `_register` and disposes them, newest first, once.
 * Long-lived objects extend it; `activate()` puts them in `context.subscriptions`.
 */
export abstract class Disposable implements vscode.Disposable {
  private readonly owned: vscode.Disposable[] = [];
  private disposed = false;

  protected _register<T extends vscode.Disposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.owned.push(d);
    return d;
  }

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    while (this.owned.length) {
      try {
        this.owned.pop()?.dispose();
      } catch {
        // one failing disposable must not keep the others alive
      }
    }
  }
}
