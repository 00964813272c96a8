"use client";

import { Check, Copy } from "lucide-react";
import { useEffect, useState, type ComponentProps } from "react";

import { codeLanguage, codeText, copyText, type TreeNode } from "@/lib/code-blocks";

type CopyState = "idle" | "copied" | "failed";

/** "Copy" -> "Copied" (or "Copy failed") for two seconds. */
function CopyButton({ text }: { text: string }) {
  const [state, setState] = useState<CopyState>("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  const label = state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : "Copy";
  return (
    <button
      type="button"
      className="inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-xs text-zinc-300 transition-colors hover:bg-white/10 hover:text-white focus-visible:ring-2 focus-visible:ring-ring/60 focus-visible:outline-none"
      aria-label={state === "idle" ? "Copy code" : label}
      onClick={async () => setState((await copyText(text, navigator.clipboard)) ? "copied" : "failed")}
    >
      {state === "copied" ? <Check className="size-3.5" aria-hidden /> : <Copy className="size-3.5" aria-hidden />}
      <span aria-live="polite">{label}</span>
    </button>
  );
}

/**
 * A fenced code block of a reply (react-markdown's `pre`): its language and a copy button over
 * the highlighted code. The copied text is read from the syntax tree, not from the page.
 */
export function CodeBlock({ node, ...props }: ComponentProps<"pre"> & { node?: TreeNode }) {
  const language = codeLanguage(node);
  return (
    <div className="code-block" data-testid="code-block">
      <div className="code-block-bar">
        <span className="font-mono">{language ?? "code"}</span>
        <CopyButton text={codeText(node)} />
      </div>
      <pre {...props} />
    </div>
  );
}
